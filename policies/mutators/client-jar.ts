// Client jar: an init container copies the jar out of the Alluxio image into an
// emptyDir, so tenants no longer bake it into their Spark or CN images.
import { resolveImage } from '../image-ref.js';
import type { Container, EnvVar } from '../k8s.js';
import { clientJarName } from '../model.js';
import { byName, containerPath, ensureEntry, targetContainers } from './ensure.js';
import type { Action, Mutator } from './types.js';

export const CLIENT_VOLUME = 'graphdata-alluxio-client';
export const CLIENT_INIT_CONTAINER = 'graphdata-alluxio-client';
const INIT_MOUNT = '/graphdata/client';
/** Where Spark containers see the jar; SPARK_EXTRA_CLASSPATH points here. */
export const SPARK_JAR_DIR = '/opt/graphdata/alluxio-client';
/** CN loads hadoop filesystem jars from here; we add one file and never hide the bundled ones. */
export const CN_HDFS_LIB_DIR = '/opt/starrocks/cn/lib/hadoop/hdfs';

export const clientJar: Mutator = {
  name: 'client-jar',
  summary: 'copy the Alluxio client jar from the Alluxio image into the target containers',
  apply(pod, { spec, workload, targets }) {
    const actions: Action[] = [];
    const record = (outcome: Action['outcome'], subject: string, path?: string, reason?: string): void => {
      actions.push({
        mutator: 'client-jar',
        outcome,
        subject,
        ...(path ? { path } : {}),
        ...(reason ? { reason } : {}),
        ...(outcome === 'conflict'
          ? {
              hint: `rename or remove the existing ${subject.split(' ')[0]}, or opt the pod out with label graphdata.io/inject=false`,
            }
          : {}),
      });
    };
    if (workload.jar === 'none' || !pod.spec) {
      record('skipped', 'client jar', undefined, `${workload.name} does not load a JVM client`);
      return { pod, actions };
    }
    const jar = clientJarName(spec.alluxio);
    const source = `/opt/alluxio/client/${jar}`;

    const volumes = (pod.spec.volumes ??= []);
    record(
      ensureEntry(volumes, { name: CLIENT_VOLUME, emptyDir: {} }, byName(CLIENT_VOLUME)),
      `volume ${CLIENT_VOLUME}`,
      'spec.volumes',
    );

    const init: Container = {
      name: CLIENT_INIT_CONTAINER,
      // Resolved here so the images mutator has nothing left to change on a second pass.
      image: resolveImage(spec.alluxio.image, spec.images).image,
      command: ['cp', source, `${INIT_MOUNT}/${jar}`],
      volumeMounts: [{ name: CLIENT_VOLUME, mountPath: INIT_MOUNT }],
      resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
    };
    const inits = (pod.spec.initContainers ??= []);
    const clash = pod.spec.containers.some(byName(CLIENT_INIT_CONTAINER));
    record(
      clash ? 'conflict' : ensureEntry(inits, init, byName(CLIENT_INIT_CONTAINER)),
      `initContainer ${CLIENT_INIT_CONTAINER}`,
      'spec.initContainers',
    );

    for (const c of targetContainers(pod, targets)) {
      const mounts = (c.volumeMounts ??= []);
      const where = containerPath(pod, c);
      if (workload.jar === 'cn-hdfs-lib') {
        const mount = { name: CLIENT_VOLUME, mountPath: `${CN_HDFS_LIB_DIR}/${jar}`, subPath: jar, readOnly: true };
        record(
          ensureEntry(mounts, mount, (m) => m.mountPath === mount.mountPath),
          `volumeMount ${mount.mountPath} in ${c.name}`,
          `${where}.volumeMounts`,
        );
      } else {
        const mount = { name: CLIENT_VOLUME, mountPath: SPARK_JAR_DIR, readOnly: true };
        record(
          ensureEntry(mounts, mount, (m) => m.mountPath === mount.mountPath),
          `volumeMount ${mount.mountPath} in ${c.name}`,
          `${where}.volumeMounts`,
        );
        const env = (c.env ??= []);
        const outcome = appendToClasspath(env, `${SPARK_JAR_DIR}/${jar}`);
        record(
          outcome,
          `env SPARK_EXTRA_CLASSPATH in ${c.name}`,
          `${where}.env`,
          outcome === 'conflict' ? 'it is set from valueFrom, so the jar cannot be appended' : undefined,
        );
      }
    }
    return { pod, actions };
  },
};

/** Spark's entrypoint appends SPARK_EXTRA_CLASSPATH to the classpath; keep what the user put there. */
function appendToClasspath(env: EnvVar[], jarPath: string): Action['outcome'] {
  const existing = env.find(byName('SPARK_EXTRA_CLASSPATH'));
  if (!existing) {
    env.push({ name: 'SPARK_EXTRA_CLASSPATH', value: jarPath });
    return 'applied';
  }
  if (existing.valueFrom) return 'conflict';
  const parts = (existing.value ?? '').split(':').filter(Boolean);
  if (parts.includes(jarPath)) return 'present';
  existing.value = [...parts, jarPath].join(':');
  return 'applied';
}

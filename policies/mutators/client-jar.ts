// Client jar: an init container copies the jar out of the Alluxio image into an
// emptyDir, so tenants no longer bake it into their Spark or CN images.
import { resolveImage } from '../image-ref.js';
import type { Container, EnvVar, VolumeMount } from '../k8s.js';
import { samePath } from '../paths.js';
import { clientJarName } from '../model.js';
import type { PodEdits } from '../patch.js';
import { byName, isSubset, lastIndexByName, targetContainers } from './ensure.js';
import type { Action, Mutator } from './types.js';

export const CLIENT_VOLUME = 'graphdata-alluxio-client';
export const CLIENT_INIT_CONTAINER = 'graphdata-alluxio-client';
const INIT_MOUNT = '/graphdata/client';
/** Where Spark containers see the jar; SPARK_EXTRA_CLASSPATH points here. */
export const SPARK_JAR_DIR = '/opt/graphdata/alluxio-client';
/** CN loads hadoop filesystem jars from here; we add one file and never hide the bundled ones. */
export const CN_HDFS_LIB_DIR = '/opt/starrocks/cn/lib/hadoop/hdfs';
/** The Alluxio image's `alluxio` user; any non-root uid that can read the jar would do. */
export const INIT_RUN_AS_USER = 1000;
const CLASSPATH = 'SPARK_EXTRA_CLASSPATH';

/** The init container: PodSecurity `restricted`-compliant, so it never gets a pod denied. */
export function initContainer(image: string, jar: string): Container {
  return {
    name: CLIENT_INIT_CONTAINER,
    image,
    command: ['cp', `/opt/alluxio/client/${jar}`, `${INIT_MOUNT}/${jar}`],
    volumeMounts: [{ name: CLIENT_VOLUME, mountPath: INIT_MOUNT }],
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: INIT_RUN_AS_USER,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
      readOnlyRootFilesystem: true,
    },
  };
}

export const clientJar: Mutator = {
  name: 'client-jar',
  summary: 'copy the Alluxio client jar from the Alluxio image into the target containers',
  apply(pod, { spec, workload, targets, edits }) {
    const actions: Action[] = [];
    // Without a spread when there is nothing extra: most actions are plain applied/present.
    const act = (outcome: Action['outcome'], subject: string, extra?: Partial<Action>) =>
      actions.push(
        extra ? { mutator: 'client-jar', outcome, subject, ...extra } : { mutator: 'client-jar', outcome, subject },
      );
    if (workload.jar === 'none' || !pod.spec) {
      act('skipped', 'client jar', { reason: `${workload.name} does not load a JVM client` });
      return { pod, actions };
    }
    const jar = clientJarName(spec.alluxio);
    const volume = { name: CLIENT_VOLUME, emptyDir: {} };
    // Resolved here so the images mutator has nothing left to change on a second pass.
    const init = initContainer(resolveImage(spec.alluxio.image, spec.images).image, jar);

    // Everything below depends on our volume and init container: if either name is taken
    // by something else, add nothing (never copy the jar into someone else's volume).
    const volumes = pod.spec.volumes ?? [];
    const inits = pod.spec.initContainers ?? [];
    const volumeIndex = volumes.findIndex(byName(CLIENT_VOLUME));
    const initIndex = inits.findIndex(byName(CLIENT_INIT_CONTAINER));
    const clashes: Action[] = [];
    if (volumeIndex >= 0 && !isSubset(volume, volumes[volumeIndex])) {
      clashes.push({
        mutator: 'client-jar',
        outcome: 'conflict',
        subject: `volume ${CLIENT_VOLUME}`,
        path: `spec.volumes[${volumeIndex}]`,
        reason:
          'the pod has a volume of that name that is not an emptyDir; it is kept, and no jar was copied or mounted',
        hint: `rename the pod's volume ${CLIENT_VOLUME}, or opt the pod out with label graphdata.io/inject=false`,
      });
    }
    const containerIndex = pod.spec.containers.findIndex(byName(CLIENT_INIT_CONTAINER));
    if (containerIndex >= 0 || (initIndex >= 0 && !isSubset(init, inits[initIndex]))) {
      clashes.push({
        mutator: 'client-jar',
        outcome: 'conflict',
        subject: `initContainer ${CLIENT_INIT_CONTAINER}`,
        path: containerIndex >= 0 ? `spec.containers[${containerIndex}]` : `spec.initContainers[${initIndex}]`,
        reason: 'the pod has a container of that name with other content; it is kept, and no jar was copied or mounted',
        hint: `rename the pod's container ${CLIENT_INIT_CONTAINER}, or opt the pod out with label graphdata.io/inject=false`,
      });
    }
    if (clashes.length) return { pod, actions: clashes };

    // Decide every target first: the volume and init container are added only for a
    // container that gets the jar (a volume nobody reads is clutter, and the init
    // container would copy for nothing).
    const jarPath = `${SPARK_JAR_DIR}/${jar}`;
    const plans: {
      c: Container;
      at: string;
      mount: VolumeMount;
      mounted: boolean;
      classpath?: ClasspathPlan;
      classpathIndex: number;
    }[] = [];
    const conflicts: Action[] = [];
    for (const { c, where, at } of targetContainers(pod, targets)) {
      const mount: VolumeMount =
        workload.jar === 'cn-hdfs-lib'
          ? { name: CLIENT_VOLUME, mountPath: `${CN_HDFS_LIB_DIR}/${jar}`, subPath: jar, readOnly: true }
          : { name: CLIENT_VOLUME, mountPath: SPARK_JAR_DIR, readOnly: true };
      const existingMount = (c.volumeMounts ?? []).find((m) => samePath(m.mountPath, mount.mountPath));
      if (existingMount && !isSubset({ ...mount, mountPath: existingMount.mountPath }, existingMount)) {
        conflicts.push({
          mutator: 'client-jar',
          outcome: 'conflict',
          subject: `volumeMount ${mount.mountPath} in ${c.name}`,
          path: `${where}.volumeMounts`,
          reason: `${c.name} mounts something else at ${mount.mountPath}; it is kept and the jar is not added there`,
          hint: `remove that mount, or opt the pod out with label graphdata.io/inject=false`,
        });
        continue;
      }
      const env = c.env ?? [];
      const classpathIndex = workload.jar === 'spark-classpath' ? lastIndexByName(env, CLASSPATH) : -1;
      const classpath = workload.jar === 'spark-classpath' ? classpathPlan(env[classpathIndex], jarPath) : undefined;
      if (classpath === 'conflict') {
        conflicts.push({
          mutator: 'client-jar',
          outcome: 'conflict',
          subject: `env ${CLASSPATH} in ${c.name}`,
          path: `${where}.env[${classpathIndex}]`,
          reason: 'it is set from valueFrom, so the jar cannot be appended; the jar is not added to this container',
          hint: `give ${CLASSPATH} a literal value:, or add ${jarPath} to its source yourself`,
        });
        continue;
      }
      plans.push({ c, at, mount, mounted: existingMount !== undefined, classpath, classpathIndex });
    }
    if (plans.length === 0) return { pod, actions: conflicts };

    if (volumeIndex < 0) edits.append(pod.spec, 'volumes', volume, '/spec');
    act(volumeIndex < 0 ? 'applied' : 'present', `volume ${CLIENT_VOLUME}`);
    if (initIndex < 0) edits.append(pod.spec, 'initContainers', init, '/spec');
    act(initIndex < 0 ? 'applied' : 'present', `initContainer ${CLIENT_INIT_CONTAINER}`);
    actions.push(...conflicts);
    for (const { c, at, mount, mounted, classpath, classpathIndex } of plans) {
      if (!mounted) edits.append(c, 'volumeMounts', mount, at);
      act(mounted ? 'present' : 'applied', `volumeMount ${mount.mountPath} in ${c.name}`);
      if (classpath) {
        if (classpath === 'append') appendToClasspath(c, classpathIndex, at, jarPath, edits);
        act(classpath === 'present' ? 'present' : 'applied', `env ${CLASSPATH} in ${c.name}`);
      }
    }
    return { pod, actions };
  },
};

type ClasspathPlan = 'append' | 'present' | 'conflict';

/**
 * Spark's entrypoint appends SPARK_EXTRA_CLASSPATH to the classpath; the last entry is the
 * one that counts (`existing`, undefined when there is none).
 */
function classpathPlan(existing: EnvVar | undefined, jarPath: string): ClasspathPlan {
  if (!existing) return 'append';
  if (existing.valueFrom) return 'conflict';
  return (existing.value ?? '').split(':').includes(jarPath) ? 'present' : 'append';
}

/** `i` is the index of the last SPARK_EXTRA_CLASSPATH entry, -1 when there is none; mounts never move env. */
function appendToClasspath(c: Container, i: number, at: string, jarPath: string, edits: PodEdits): void {
  if (i < 0) {
    edits.append(c, 'env', { name: CLASSPATH, value: jarPath }, at);
    return;
  }
  const entry = c.env![i]!;
  const parts = (entry.value ?? '').split(':').filter(Boolean);
  edits.set(entry, 'value', [...parts, jarPath].join(':'), `${at}/env/${i}`);
}

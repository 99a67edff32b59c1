// Client jar: the jar comes out of the Alluxio image, so tenants no longer bake it into
// their Spark or CN images. Either an init container copies it into an emptyDir, or
// (alluxio.clientJar.delivery: imageVolume) the Alluxio image itself is mounted as an
// `image` volume: nothing is copied and no extra container runs.
import { resolveImage } from '../image-ref.js';
import type { Container, EnvVar, Pod, Volume, VolumeMount } from '../k8s.js';
import { samePath } from '../paths.js';
import { type ClientJarDelivery, clientJarName, type PolicySpec } from '../model.js';
import type { PodEdits } from '../patch.js';
import { byName, isSubset, lastIndexByName, targetContainers } from './ensure.js';
import type { Action, MutationContext, Mutator } from './types.js';

export const CLIENT_VOLUME = 'graphdata-alluxio-client';
export const CLIENT_INIT_CONTAINER = 'graphdata-alluxio-client';
const INIT_MOUNT = '/graphdata/client';
/** Where the Alluxio image keeps the client jar: the init container copies from here, an image volume mounts it. */
const IMAGE_CLIENT_DIR = 'opt/alluxio/client';
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
    command: ['cp', `/${IMAGE_CLIENT_DIR}/${jar}`, `${INIT_MOUNT}/${jar}`],
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

/** The Alluxio image as an `image` volume (read-only by nature; pulled like a container image). */
function imageVolume(name: string, spec: PolicySpec): Volume {
  const { pullPolicy } = spec.images;
  const reference = resolveImage(spec.alluxio.image, spec.images).image;
  return { name, image: { reference, ...(pullPolicy ? { pullPolicy } : {}) } };
}

/** How the jar reaches this pod: what the pod already has, else what the policy and the cluster allow. */
interface DeliveryPlan {
  delivery: ClientJarDelivery;
  /** The pod volume the jar is mounted from: ours, or (image volume) the user's own under any name. */
  volumeName: string;
  /** The volume to add; absent when the pod has it. */
  volume?: Volume;
  /** The policy asked for an image volume the cluster does not serve: said once, when adding. */
  fallback?: Action;
  /** Names taken by something else: the actions to report, and nothing is added. */
  clashes?: Action[];
}

/**
 * Recognised by content, so a second pass (or the safety net) accepts either delivery
 * whatever the policy says now: our emptyDir or our init container means the copy; an
 * image volume of the Alluxio image, under any name, means the mount. Only a pod with
 * neither gets the policy's choice, and an image volume only where the cluster serves them.
 */
function deliveryPlan(pod: Pod, ctx: MutationContext, init: Container): DeliveryPlan {
  const { spec } = ctx;
  const volumes = pod.spec?.volumes ?? [];
  const inits = pod.spec?.initContainers ?? [];
  const wanted = imageVolume(CLIENT_VOLUME, spec);
  const reference = wanted.image!.reference;
  const emptyDir: Volume = { name: CLIENT_VOLUME, emptyDir: {} };
  const ownIndex = volumes.findIndex(byName(CLIENT_VOLUME));
  const own = volumes[ownIndex];
  const initIndex = inits.findIndex(byName(CLIENT_INIT_CONTAINER));
  const ourInit = initIndex >= 0 && isOurInit(init, inits[initIndex]!);

  if (own && own.image?.reference === reference && !ourInit) return { delivery: 'imageVolume', volumeName: own.name };
  if (own && !isSubset(emptyDir, own)) {
    return {
      delivery: 'initContainer',
      volumeName: CLIENT_VOLUME,
      clashes: [
        {
          mutator: 'client-jar',
          outcome: 'conflict',
          subject: `volume ${CLIENT_VOLUME}`,
          path: `spec.volumes[${ownIndex}]`,
          reason:
            'the pod has a volume of that name that is neither an emptyDir nor the Alluxio image; it is kept, and no jar was added',
          hint: `rename the pod's volume ${CLIENT_VOLUME}, or opt the pod out with label graphdata.io/inject=false`,
        },
      ],
    };
  }
  const byHand = own ? undefined : volumes.find((v) => v.image?.reference === reference);
  if (byHand && !ourInit) return { delivery: 'imageVolume', volumeName: byHand.name };

  const copying = own !== undefined || ourInit;
  const asked = spec.alluxio.clientJar?.delivery ?? 'initContainer';
  if (!copying && asked === 'imageVolume' && ctx.imageVolumes !== false) {
    return { delivery: 'imageVolume', volumeName: CLIENT_VOLUME, volume: wanted };
  }
  const plan: DeliveryPlan = { delivery: 'initContainer', volumeName: CLIENT_VOLUME };
  if (!own) plan.volume = emptyDir;
  if (!copying && asked === 'imageVolume') {
    plan.fallback = {
      mutator: 'client-jar',
      outcome: 'skipped',
      subject: 'image volume',
      // Short: the whole warning, hint included, must fit the apiserver's 256 characters.
      reason: 'the cluster does not serve image volumes; an init container copies the jar instead',
      hint: 'run Kubernetes 1.36+ (1.35 with the ImageVolume gate on), or set alluxio.clientJar.delivery: initContainer',
    };
  }
  const containerIndex = (pod.spec?.containers ?? []).findIndex(byName(CLIENT_INIT_CONTAINER));
  if (containerIndex >= 0 || (initIndex >= 0 && !ourInit)) {
    plan.clashes = [
      {
        mutator: 'client-jar',
        outcome: 'conflict',
        subject: `initContainer ${CLIENT_INIT_CONTAINER}`,
        path: containerIndex >= 0 ? `spec.containers[${containerIndex}]` : `spec.initContainers[${initIndex}]`,
        reason: 'the pod has a container of that name with other content; it is kept, and no jar was copied or mounted',
        hint: `rename the pod's container ${CLIENT_INIT_CONTAINER}, or opt the pod out with label graphdata.io/inject=false`,
      },
    ];
  }
  return plan;
}

/**
 * Our init container, with what the apiserver defaulted into it. A native sidecar
 * (restartPolicy: Always) of the same name is not: it would run beside the application
 * instead of before it, restarted each time the copy exits.
 */
const isOurInit = (init: Container, have: Container): boolean =>
  have.restartPolicy === undefined && isSubset(init, have);

/**
 * Where our init container goes: before the first native sidecar, so the jar is there
 * before any sidecar starts (init containers start in order, and a sidecar keeps running
 * beside the application); after the pod's own ordinary init containers otherwise.
 */
function initIndexFor(inits: readonly Container[]): number {
  const sidecar = inits.findIndex((c) => c.restartPolicy === 'Always');
  return sidecar >= 0 ? sidecar : inits.length;
}

/** The mount of the jar in a target container, for the delivery. */
function jarMount(plan: DeliveryPlan, jarStyle: 'spark-classpath' | 'cn-hdfs-lib', jar: string): VolumeMount {
  const name = plan.volumeName;
  if (plan.delivery === 'imageVolume') {
    return jarStyle === 'cn-hdfs-lib'
      ? { name, mountPath: `${CN_HDFS_LIB_DIR}/${jar}`, subPath: `${IMAGE_CLIENT_DIR}/${jar}`, readOnly: true }
      : { name, mountPath: SPARK_JAR_DIR, subPath: IMAGE_CLIENT_DIR, readOnly: true };
  }
  return jarStyle === 'cn-hdfs-lib'
    ? { name, mountPath: `${CN_HDFS_LIB_DIR}/${jar}`, subPath: jar, readOnly: true }
    : { name, mountPath: SPARK_JAR_DIR, readOnly: true };
}

export const clientJar: Mutator = {
  name: 'client-jar',
  summary: 'the Alluxio client jar from the Alluxio image (copied by an init container, or an image volume)',
  apply(pod, ctx) {
    const { spec, workload, targets, edits } = ctx;
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
    const jarStyle = workload.jar;
    const jar = clientJarName(spec.alluxio);
    // Resolved here so the images mutator has nothing left to change on a second pass.
    const init = initContainer(resolveImage(spec.alluxio.image, spec.images).image, jar);

    // Everything below depends on our volume (and, copying, our init container): if a name
    // is taken by something else, add nothing (never copy the jar into someone else's volume).
    const plan = deliveryPlan(pod, ctx, init);
    if (plan.clashes) return { pod, actions: plan.clashes };

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
      const mount = jarMount(plan, jarStyle, jar);
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
      const classpathIndex = jarStyle === 'spark-classpath' ? lastIndexByName(env, CLASSPATH) : -1;
      const classpath = jarStyle === 'spark-classpath' ? classpathPlan(env[classpathIndex], jarPath) : undefined;
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

    if (plan.volume) edits.append(pod.spec, 'volumes', plan.volume, '/spec');
    act(plan.volume ? 'applied' : 'present', `volume ${plan.volumeName}`);
    if (plan.fallback) actions.push(plan.fallback);
    if (plan.delivery === 'initContainer') {
      const inits = pod.spec.initContainers;
      const present = inits?.some(byName(CLIENT_INIT_CONTAINER)) ?? false;
      if (!present && inits) edits.insert(inits, initIndexFor(inits), init, '/spec/initContainers');
      else if (!present) edits.set(pod.spec, 'initContainers', [init], '/spec');
      act(present ? 'present' : 'applied', `initContainer ${CLIENT_INIT_CONTAINER}`);
    }
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

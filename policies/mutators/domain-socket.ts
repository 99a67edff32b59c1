// Domain socket: the worker's socket directory, read-only, at the path the client
// expects. Without it short-circuit reads silently fall back to the network. The
// directory comes from the node (hostPath, the default) or from a PersistentVolumeClaim
// (the Alluxio Helm chart's default); PodSecurity baseline and restricted forbid hostPath.
import type { Container, Pod, Volume } from '../k8s.js';
import { samePath } from '../paths.js';
import { byName, targetContainers } from './ensure.js';
import type { Action, MutationContext, Mutator } from './types.js';

export const DOMAIN_SOCKET_VOLUME = 'graphdata-alluxio-domain';
export const POD_SECURITY_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
/** The claim the Alluxio Helm chart creates for the socket in PVC mode. */
export const HELM_SOCKET_CLAIM = 'alluxio-worker-domain-socket';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/**
 * The PodSecurity level a namespace enforces, from its labels. An unknown value counts
 * as restricted, as the PodSecurity admission plugin treats it; no label means the
 * cluster default (privileged unless the apiserver is configured otherwise).
 */
export function enforcedPodSecurity(
  labels: Readonly<Record<string, string>> | undefined,
): PodSecurityLevel | undefined {
  if (!labels || !Object.hasOwn(labels, POD_SECURITY_ENFORCE_LABEL)) return undefined;
  const level = labels[POD_SECURITY_ENFORCE_LABEL];
  return level === 'privileged' || level === 'baseline' ? level : 'restricted';
}

export interface SocketPlan {
  /** The volume to add; absent when the pod already has the socket directory, or it cannot be injected. */
  volume?: Volume;
  /** The pod volume that is the socket directory: ours, or the user's own under any name. */
  volumeName: string;
  mountPath: string;
  /** Why the socket is not injected (skipped, or a conflicting volume): the action to report. */
  blocked?: Action;
}

/** hostPath types that mount the directory itself; `File`, `Socket` and the like do not. */
const DIRECTORY_TYPES = new Set([undefined, '', 'Directory', 'DirectoryOrCreate']);

/**
 * True when the pod volume is the worker's socket directory, whatever its name: the same
 * hostPath directory (paths compared normalised) or the same claim. Users who wired the
 * socket by hand did so under their own volume name.
 */
function isSocketDirectory(v: Volume, hostPath: string, claim: string | undefined): boolean {
  if (claim) return v.persistentVolumeClaim?.claimName === claim;
  return v.hostPath !== undefined && DIRECTORY_TYPES.has(v.hostPath.type) && samePath(v.hostPath.path, hostPath);
}

/** Whether and how the socket can be injected into this pod: shared with client-config. */
export function socketPlan(pod: Pod, { spec, namespaceLabels }: MutationContext): SocketPlan {
  const { hostPath, mountPath, persistentVolumeClaim } = spec.alluxio.domainSocket;
  const volume: Volume = persistentVolumeClaim
    ? { name: DOMAIN_SOCKET_VOLUME, persistentVolumeClaim: { claimName: persistentVolumeClaim } }
    : { name: DOMAIN_SOCKET_VOLUME, hostPath: { path: hostPath, type: 'Directory' } };
  const level = enforcedPodSecurity(namespaceLabels);
  if (!persistentVolumeClaim && (level === 'baseline' || level === 'restricted')) {
    return {
      volumeName: DOMAIN_SOCKET_VOLUME,
      mountPath,
      blocked: {
        mutator: 'domain-socket',
        outcome: 'skipped',
        subject: 'domain socket',
        // Short: the whole warning, hint included, must fit the apiserver's 256 characters.
        reason: `PodSecurity ${level} forbids its hostPath; not mounted, short-circuit reads off`,
        hint: `use PVC mode: set alluxio.domainSocket.persistentVolumeClaim (e.g. ${HELM_SOCKET_CLAIM}) in the policy`,
      },
    };
  }
  const volumes = pod.spec?.volumes ?? [];
  // Ours first: after injection the socket volume is found by name on every later pass.
  const same =
    volumes.find((v) => v.name === DOMAIN_SOCKET_VOLUME && isSocketDirectory(v, hostPath, persistentVolumeClaim)) ??
    volumes.find((v) => isSocketDirectory(v, hostPath, persistentVolumeClaim));
  if (same) return { volumeName: same.name, mountPath };
  const existing = volumes.find(byName(DOMAIN_SOCKET_VOLUME));
  if (existing) {
    return {
      volumeName: DOMAIN_SOCKET_VOLUME,
      mountPath,
      blocked: {
        mutator: 'domain-socket',
        outcome: 'conflict',
        subject: `volume ${DOMAIN_SOCKET_VOLUME}`,
        path: `spec.volumes[${volumes.indexOf(existing)}]`,
        reason: 'the pod has a volume of that name with other content; it is kept and not mounted as the socket',
        hint: `rename the pod's volume ${DOMAIN_SOCKET_VOLUME}, or make it the worker socket directory the policy names`,
      },
    };
  }
  return { volume, volumeName: DOMAIN_SOCKET_VOLUME, mountPath };
}

export type SocketMount = 'present' | 'absent' | 'taken';

/**
 * What a container has at the socket's path (compared normalised): the socket directory
 * itself, nothing, or something else (another volume, or a subPath of the socket's).
 */
export function socketMountIn(c: Container, plan: SocketPlan): SocketMount {
  const mount = c.volumeMounts?.find((m) => samePath(m.mountPath, plan.mountPath));
  if (!mount) return 'absent';
  return mount.name === plan.volumeName && !mount.subPath && !mount.subPathExpr ? 'present' : 'taken';
}

export const domainSocket: Mutator = {
  name: 'domain-socket',
  summary: 'mount the Alluxio worker domain-socket directory (hostPath or PVC) read-only',
  apply(pod, ctx) {
    const actions: Action[] = [];
    if (!pod.spec) return { pod, actions };
    const plan = socketPlan(pod, ctx);
    if (plan.blocked) return { pod, actions: [plan.blocked] };
    const targets = targetContainers(pod, ctx.targets).map((t) => ({ ...t, state: socketMountIn(t.c, plan) }));
    // A volume nobody mounts is only a hostPath for PodSecurity to deny: add it with a mount or not at all.
    const adding = plan.volume !== undefined && targets.some((t) => t.state === 'absent');
    if (adding && plan.volume) ctx.edits.append(pod.spec, 'volumes', plan.volume, '/spec');
    if (adding || !plan.volume) {
      actions.push({
        mutator: 'domain-socket',
        outcome: adding ? 'applied' : 'present',
        subject: `volume ${plan.volumeName}`,
      });
    }
    const mount = { name: plan.volumeName, mountPath: plan.mountPath, readOnly: true };
    for (const { c, where, at, state } of targets) {
      const subject = `volumeMount ${plan.mountPath} in ${c.name}`;
      if (state === 'taken') {
        actions.push({
          mutator: 'domain-socket',
          outcome: 'conflict',
          subject,
          path: `${where}.volumeMounts`,
          reason: `${c.name} mounts something else at ${plan.mountPath}; it is kept and short-circuit reads stay off there`,
          hint: `remove that mount, or point it at the worker socket directory the policy names`,
        });
      } else if (state === 'present') {
        actions.push({ mutator: 'domain-socket', outcome: 'present', subject });
      } else {
        ctx.edits.append(c, 'volumeMounts', mount, at);
        actions.push({ mutator: 'domain-socket', outcome: 'applied', subject });
      }
    }
    return { pod, actions };
  },
};

// Domain socket: the worker's socket directory, read-only, at the path the client
// expects. Without it short-circuit reads silently fall back to the network. The
// directory comes from the node (hostPath, the default) or from a PersistentVolumeClaim
// (the Alluxio Helm chart's default); PodSecurity baseline and restricted forbid hostPath.
import type { Container, Pod, Volume } from '../k8s.js';
import { isSubset, targetContainers, byName } from './ensure.js';
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
  /** The volume to add; absent when the socket cannot be injected. */
  volume?: Volume;
  mountPath: string;
  /** Why the socket is not injected (skipped, or a conflicting volume): the action to report. */
  blocked?: Action;
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
  const existing = pod.spec?.volumes?.find(byName(DOMAIN_SOCKET_VOLUME));
  if (existing && !isSubset(volume, existing)) {
    return {
      mountPath,
      blocked: {
        mutator: 'domain-socket',
        outcome: 'conflict',
        subject: `volume ${DOMAIN_SOCKET_VOLUME}`,
        path: `spec.volumes[${pod.spec!.volumes!.indexOf(existing)}]`,
        reason: 'the pod has a volume of that name with other content; it is kept and not mounted as the socket',
        hint: `rename the pod's volume ${DOMAIN_SOCKET_VOLUME}, or make it the worker socket directory the policy names`,
      },
    };
  }
  return { volume, mountPath };
}

/** True when the container mounts something other than the socket at the socket's path. */
export function socketPathTaken(c: Container, mountPath: string): boolean {
  const mount = c.volumeMounts?.find((m) => m.mountPath === mountPath);
  return mount !== undefined && !isSubset(socketMount(mountPath), mount);
}

const socketMount = (mountPath: string) => ({ name: DOMAIN_SOCKET_VOLUME, mountPath, readOnly: true });

export const domainSocket: Mutator = {
  name: 'domain-socket',
  summary: 'mount the Alluxio worker domain-socket directory (hostPath or PVC) read-only',
  apply(pod, ctx) {
    const actions: Action[] = [];
    if (!pod.spec) return { pod, actions };
    const plan = socketPlan(pod, ctx);
    if (plan.blocked || !plan.volume) return { pod, actions: plan.blocked ? [plan.blocked] : [] };
    const present = pod.spec.volumes?.some(byName(DOMAIN_SOCKET_VOLUME)) ?? false;
    if (!present) ctx.edits.append(pod.spec, 'volumes', plan.volume, '/spec');
    actions.push({
      mutator: 'domain-socket',
      outcome: present ? 'present' : 'applied',
      subject: `volume ${DOMAIN_SOCKET_VOLUME}`,
    });
    for (const { c, where, at } of targetContainers(pod, ctx.targets)) {
      const subject = `volumeMount ${plan.mountPath} in ${c.name}`;
      if (socketPathTaken(c, plan.mountPath)) {
        actions.push({
          mutator: 'domain-socket',
          outcome: 'conflict',
          subject,
          path: `${where}.volumeMounts`,
          reason: `${c.name} mounts something else at ${plan.mountPath}; it is kept and short-circuit reads stay off there`,
          hint: `remove that mount, or point it at the worker socket directory the policy names`,
        });
      } else if (c.volumeMounts?.some((m) => m.mountPath === plan.mountPath)) {
        actions.push({ mutator: 'domain-socket', outcome: 'present', subject });
      } else {
        ctx.edits.append(c, 'volumeMounts', socketMount(plan.mountPath), at);
        actions.push({ mutator: 'domain-socket', outcome: 'applied', subject });
      }
    }
    return { pod, actions };
  },
};

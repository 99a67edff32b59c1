// Domain socket: the worker's socket directory from the node, read-only, at the path
// the client expects. Without it short-circuit reads silently fall back to the network.
import { byName, containerPath, ensureEntry, targetContainers } from './ensure.js';
import type { Action, Mutator } from './types.js';

export const DOMAIN_SOCKET_VOLUME = 'graphdata-alluxio-domain';

export const domainSocket: Mutator = {
  name: 'domain-socket',
  summary: 'mount the Alluxio worker domain-socket directory (hostPath) read-only',
  apply(pod, { spec, targets }) {
    const actions: Action[] = [];
    if (!pod.spec) return { pod, actions };
    const { hostPath, mountPath } = spec.alluxio.domainSocket;
    const volume = { name: DOMAIN_SOCKET_VOLUME, hostPath: { path: hostPath, type: 'Directory' } };
    const volumes = (pod.spec.volumes ??= []);
    actions.push(
      outcomeAction(
        ensureEntry(volumes, volume, byName(DOMAIN_SOCKET_VOLUME)),
        `volume ${DOMAIN_SOCKET_VOLUME}`,
        'spec.volumes',
      ),
    );
    for (const c of targetContainers(pod, targets)) {
      const mount = { name: DOMAIN_SOCKET_VOLUME, mountPath: mountPath, readOnly: true };
      const result = ensureEntry((c.volumeMounts ??= []), mount, (m) => m.mountPath === mountPath);
      actions.push(
        outcomeAction(result, `volumeMount ${mountPath} in ${c.name}`, `${containerPath(pod, c)}.volumeMounts`),
      );
    }
    return { pod, actions };
  },
};

function outcomeAction(outcome: Action['outcome'], subject: string, path: string): Action {
  return {
    mutator: 'domain-socket',
    outcome,
    subject,
    path,
    ...(outcome === 'conflict'
      ? {
          reason: 'something else with that name or path is already there',
          hint: 'remove it, or point it at the worker socket directory the policy names',
        }
      : {}),
  };
}

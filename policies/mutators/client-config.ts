// Client config: -Dalluxio.* through JAVA_TOOL_OPTIONS (read by every JVM, including
// the one CN embeds), appended to what the pod sets, never replacing it.
import type { EnvVar } from '../k8s.js';
import type { PolicySpec } from '../model.js';
import { byName, containerPath, ensureEntry, targetContainers } from './ensure.js';
import type { Action, Mutator } from './types.js';

/** Node IP from the downward API: lets the client recognise the worker on its own node. */
export const NODE_IP_ENV = 'ALLUXIO_CLIENT_HOSTNAME';
const JAVA_OPTS = 'JAVA_TOOL_OPTIONS';

/** The client properties a pod gets, in a stable order. */
export function clientProperties(spec: PolicySpec, withSocket: boolean): [string, string][] {
  const { master, domainSocket, properties } = spec.alluxio;
  const props: [string, string][] = master.addresses?.length
    ? [['alluxio.master.rpc.addresses', master.addresses.join(',')]]
    : [
        ['alluxio.master.hostname', master.hostname],
        ['alluxio.master.rpc.port', String(master.rpcPort)],
      ];
  props.push(['alluxio.user.short.circuit.enabled', 'true'], ['alluxio.user.hostname', `$(${NODE_IP_ENV})`]);
  if (withSocket) {
    props.push(
      ['alluxio.worker.data.server.domain.socket.address', domainSocket.mountPath],
      ['alluxio.worker.data.server.domain.socket.as.uuid', 'true'],
    );
  }
  for (const [k, v] of Object.entries(properties)) if (!props.some(([key]) => key === k)) props.push([k, v]);
  return props;
}

export const clientConfig: Mutator = {
  name: 'client-config',
  summary: 'Alluxio master address, short-circuit reads and the node IP as -Dalluxio.* in JAVA_TOOL_OPTIONS',
  apply(pod, { spec, workload, targets }) {
    const actions: Action[] = [];
    const props = clientProperties(spec, workload.mutators.includes('domain-socket'));
    for (const c of targetContainers(pod, targets)) {
      const env = (c.env ??= []);
      const where = `${containerPath(pod, c)}.env`;
      actions.push(ensureNodeIp(env, c.name, where));
      actions.push(...appendJavaOptions(env, props, c.name, where));
    }
    return { pod, actions };
  },
};

function ensureNodeIp(env: EnvVar[], container: string, path: string): Action {
  const nodeIp: EnvVar = { name: NODE_IP_ENV, valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } };
  // $(VAR) in a value only expands when VAR is defined earlier in the list.
  const javaIndex = env.findIndex(byName(JAVA_OPTS));
  let outcome: Action['outcome'];
  if (javaIndex >= 0 && !env.some(byName(NODE_IP_ENV))) {
    env.splice(javaIndex, 0, nodeIp);
    outcome = 'applied';
  } else {
    outcome = ensureEntry(env, nodeIp, byName(NODE_IP_ENV));
  }
  return {
    mutator: 'client-config',
    outcome,
    subject: `env ${NODE_IP_ENV} in ${container}`,
    path,
    ...(outcome === 'conflict'
      ? {
          reason: 'it is set to something other than status.hostIP',
          hint: `remove ${NODE_IP_ENV} from the pod; graphdata sets it`,
        }
      : {}),
  };
}

function appendJavaOptions(env: EnvVar[], props: [string, string][], container: string, path: string): Action[] {
  const subject = `env ${JAVA_OPTS} in ${container}`;
  let existing = env.find(byName(JAVA_OPTS));
  if (existing?.valueFrom) {
    return [
      {
        mutator: 'client-config',
        outcome: 'conflict',
        subject,
        path,
        reason: 'it is set from valueFrom, so options cannot be appended',
        hint: `set ${JAVA_OPTS} with value: instead of valueFrom`,
      },
    ];
  }
  if (!existing) env.push((existing = { name: JAVA_OPTS, value: '' }));
  const tokens = (existing.value ?? '').split(/\s+/).filter(Boolean);
  const actions: Action[] = [];
  const added: string[] = [];
  for (const [key, value] of props) {
    const current = tokens.find((t) => t.startsWith(`-D${key}=`));
    if (current === undefined) added.push(`-D${key}=${value}`);
    else if (current !== `-D${key}=${value}`) {
      actions.push({
        mutator: 'client-config',
        outcome: 'conflict',
        subject: `-D${key} in ${container}`,
        path,
        reason: `the pod sets ${current}, the policy wants ${value}; the pod's value is kept`,
        hint: `remove -D${key} from ${JAVA_OPTS} to use the policy's value`,
      });
    }
  }
  if (added.length) existing.value = [...tokens, ...added].join(' ');
  actions.push({
    mutator: 'client-config',
    outcome: added.length ? 'applied' : 'present',
    subject,
    ...(added.length ? { reason: `added ${added.join(' ')}` } : {}),
  });
  return actions;
}

// Client config: -Dalluxio.* through JAVA_TOOL_OPTIONS (read by every JVM, including
// the one CN embeds), appended to what the pod sets, never replacing it.
import type { Container, EnvVar, Pod } from '../k8s.js';
import type { PolicySpec } from '../model.js';
import type { PodEdits } from '../patch.js';
import { isSubset, lastIndexByName, targetContainers } from './ensure.js';
import { socketMountIn, socketPlan } from './domain-socket.js';
import type { Action, Mutator } from './types.js';

/** Node IP from the downward API: lets the client recognise the worker on its own node. */
export const NODE_IP_ENV = 'ALLUXIO_CLIENT_HOSTNAME';
const JAVA_OPTS = 'JAVA_TOOL_OPTIONS';
const HOSTNAME_PROPERTY = 'alluxio.user.hostname';

/**
 * The client properties a pod gets, in a stable order. `shortCircuit` is false for a
 * workload that should read through the socket but cannot have it (PodSecurity, a
 * clashing volume or mount): then nothing claims short-circuit reads.
 */
export function clientProperties(
  spec: PolicySpec,
  withSocket: boolean,
  shortCircuit = true,
): readonly (readonly [string, string])[] {
  // Four variants per spec object (never changed once loaded), each computed once.
  let variants = propertyVariants.get(spec);
  if (!variants) propertyVariants.set(spec, (variants = []));
  const slot = (withSocket ? 2 : 0) + (shortCircuit ? 1 : 0);
  return (variants[slot] ??= computeClientProperties(spec, withSocket, shortCircuit));
}

const propertyVariants = new WeakMap<PolicySpec, (readonly (readonly [string, string])[] | undefined)[]>();

function computeClientProperties(spec: PolicySpec, withSocket: boolean, shortCircuit: boolean): [string, string][] {
  const { master, domainSocket, properties } = spec.alluxio;
  const props: [string, string][] = master.addresses?.length
    ? [['alluxio.master.rpc.addresses', master.addresses.join(',')]]
    : [
        ['alluxio.master.hostname', master.hostname],
        ['alluxio.master.rpc.port', String(master.rpcPort)],
      ];
  if (shortCircuit) props.push(['alluxio.user.short.circuit.enabled', 'true']);
  props.push([HOSTNAME_PROPERTY, `$(${NODE_IP_ENV})`]);
  if (withSocket && shortCircuit) {
    props.push(
      ['alluxio.worker.data.server.domain.socket.address', domainSocket.mountPath],
      ['alluxio.worker.data.server.domain.socket.as.uuid', 'true'],
    );
  }
  const seen = new Set(props.map(([k]) => k));
  for (const [k, v] of Object.entries(properties)) if (!seen.has(k)) props.push([k, v]);
  return props;
}

export const clientConfig: Mutator = {
  name: 'client-config',
  summary: 'Alluxio master address, short-circuit reads and the node IP as -Dalluxio.* in JAVA_TOOL_OPTIONS',
  apply(pod, ctx) {
    const { spec, workload, targets } = ctx;
    if (ctx.masterUnavailable) return { pod, actions: [withoutMaster(pod, targets, ctx.masterUnavailable)] };
    const actions: Action[] = [];
    const wantsSocket = workload.mutators.includes('domain-socket');
    const plan = wantsSocket ? socketPlan(pod, ctx) : undefined;
    for (const { c, where, at } of targetContainers(pod, targets)) {
      const socket = plan !== undefined && !plan.blocked && socketMountIn(c, plan) !== 'taken';
      if (wantsSocket && !socket) {
        actions.push({
          mutator: 'client-config',
          outcome: 'skipped',
          subject: `short-circuit reads in ${c.name}`,
          reason: 'the domain socket is not mounted there (see domain-socket), so short-circuit reads are not enabled',
        });
      }
      const props = clientProperties(spec, socket, !wantsSocket || socket);
      actions.push(...configureEnv(c, props, `${where}.env`, at, ctx.edits));
    }
    return { pod, actions };
  },
};

const MASTER_OPTION = /(?:^|\s)-Dalluxio\.master\.(?:hostname|rpc\.addresses)=/;

/**
 * Fluid mode without a usable runtime: nothing is added (an address would be a guess).
 * Containers whose JAVA_TOOL_OPTIONS already name a master keep it and count as done;
 * the rest are a requirement left unmet, with why and what to do.
 */
function withoutMaster(pod: Pod, targets: readonly string[], why: { reason: string; hint: string }): Action {
  const lacking: string[] = [];
  for (const { c } of targetContainers(pod, targets)) {
    const env = c.env ?? [];
    const java = env[lastIndexByName(env, JAVA_OPTS)];
    if (!MASTER_OPTION.test(java?.value ?? '')) lacking.push(c.name);
  }
  if (lacking.length === 0)
    return { mutator: 'client-config', outcome: 'present', subject: `Alluxio master in ${targets.join(', ')}` };
  return {
    mutator: 'client-config',
    outcome: 'skipped',
    subject: `Alluxio client config in ${lacking.join(', ')}`,
    reason: `${why.reason}; no -Dalluxio.* options were added`,
    hint: why.hint,
    unmet: true,
  };
}

/**
 * Appends our options to the JAVA_TOOL_OPTIONS that wins (the last entry) and makes
 * sure $(ALLUXIO_CLIENT_HOSTNAME) is defined before it: Kubernetes expands $(VAR) only
 * from entries earlier in the list.
 */
function configureEnv(
  c: Container,
  wanted: readonly (readonly [string, string])[],
  path: string,
  at: string,
  edits: PodEdits,
): Action[] {
  const container = c.name;
  const env = c.env ?? [];
  const subject = `env ${JAVA_OPTS} in ${container}`;
  let javaIndex = lastIndexByName(env, JAVA_OPTS);
  if (javaIndex >= 0 && env[javaIndex]!.valueFrom) {
    return [
      {
        mutator: 'client-config',
        outcome: 'conflict',
        subject,
        path: `${path}[${javaIndex}]`,
        reason: 'it is set from valueFrom, so the Alluxio options cannot be appended to it; none were added',
        hint: `give ${JAVA_OPTS} a literal value: (e.g. copy the ConfigMap's options into the pod), or add the -Dalluxio.* options to that source yourself`,
      },
    ];
  }
  const actions: Action[] = [];
  let props = wanted;
  const nodeIp = nodeIpAction(env, javaIndex, container, path);
  if (nodeIp.action.outcome === 'conflict') props = props.filter(([k]) => k !== HOSTNAME_PROPERTY);
  if (nodeIp.insertAt !== undefined) {
    if (c.env) edits.insert(c.env, nodeIp.insertAt, nodeIpVar(), `${at}/env`);
    else edits.set(c, 'env', [nodeIpVar()], at);
    if (javaIndex >= 0) javaIndex++;
  }
  actions.push(nodeIp.action);

  const existing = javaIndex >= 0 ? c.env![javaIndex]! : undefined;
  const value = existing?.value ?? '';
  const current = new Map<string, string>();
  for (const token of value.split(/\s+/)) {
    const m = /^-D([^=]+)=/.exec(token);
    if (m) current.set(m[1]!, token);
  }
  const added: string[] = [];
  for (const [key, v] of props) {
    const token = current.get(key);
    if (token === undefined) added.push(`-D${key}=${v}`);
    else if (token !== `-D${key}=${v}`) {
      actions.push({
        mutator: 'client-config',
        outcome: 'conflict',
        subject: `-D${key} in ${container}`,
        path,
        reason: `the pod sets ${token}, the policy wants ${v}; the pod's value is kept`,
        hint: `remove -D${key} from ${JAVA_OPTS} to use the policy's value`,
      });
    }
  }
  if (added.length === 0) {
    actions.push({ mutator: 'client-config', outcome: 'present', subject });
    return actions;
  }
  const options = added.join(' ');
  // Appended as text, so the pod's own quoting and spacing are kept.
  const kept = value.trimEnd();
  const text = kept ? `${kept} ${options}` : options;
  if (existing) edits.set(existing, 'value', text, `${at}/env/${javaIndex}`);
  else edits.append(c, 'env', { name: JAVA_OPTS, value: text }, at);
  actions.push({ mutator: 'client-config', outcome: 'applied', subject, reason: `added ${options}` });
  if (!existing) {
    const source = envFromSource(c);
    if (source) actions.push(shadowWarning(container, source, path));
  }
  return actions;
}

/**
 * The first envFrom source that could define JAVA_TOOL_OPTIONS (no prefix, or a prefix
 * it starts with). The webhook cannot see the ConfigMap or Secret, and an `env` entry
 * always wins over `envFrom`, so the entry we add would replace what that source sets.
 */
function envFromSource(c: Container): string | undefined {
  for (const from of c.envFrom ?? []) {
    if (from.prefix && !JAVA_OPTS.startsWith(from.prefix)) continue;
    if (from.configMapRef) return `ConfigMap ${from.configMapRef.name ?? ''}`;
    if (from.secretRef) return `Secret ${from.secretRef.name ?? ''}`;
  }
  return undefined;
}

/** Warned, not refused: most envFrom sources do not set JAVA_TOOL_OPTIONS, and those pods are injected right. */
const shadowWarning = (container: string, source: string, path: string): Action => ({
  mutator: 'client-config',
  outcome: 'skipped',
  subject: `${JAVA_OPTS} from envFrom in ${container}`,
  path: path.replace(/\.env$/, '.envFrom'),
  reason: `if ${source} sets ${JAVA_OPTS}, the env entry added here replaces it (env wins over envFrom)`,
  hint: `set ${JAVA_OPTS} as an env entry with a literal value; graphdata appends to it`,
});

const nodeIpVar = (): EnvVar => ({ name: NODE_IP_ENV, valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } });

/** Where $(ALLUXIO_CLIENT_HOSTNAME) stands relative to the JAVA_TOOL_OPTIONS entry at `javaIndex`. */
function nodeIpAction(
  env: EnvVar[],
  javaIndex: number,
  container: string,
  path: string,
): { action: Action; insertAt?: number } {
  const subject = `env ${NODE_IP_ENV} in ${container}`;
  // The definition $(VAR) expands to: the last one before JAVA_TOOL_OPTIONS (or anywhere, when we append it).
  const limit = javaIndex >= 0 ? javaIndex : env.length;
  let before = -1;
  for (let i = 0; i < limit; i++) if (env[i]!.name === NODE_IP_ENV) before = i;
  if (before >= 0) {
    if (isSubset(nodeIpVar(), env[before]))
      return { action: { mutator: 'client-config', outcome: 'present', subject } };
    return {
      action: {
        mutator: 'client-config',
        outcome: 'conflict',
        subject,
        path: `${path}[${before}]`,
        reason: `it is set to something other than status.hostIP; -D${HOSTNAME_PROPERTY} was not added`,
        hint: `remove ${NODE_IP_ENV} from the pod; graphdata sets it`,
      },
    };
  }
  const later = javaIndex >= 0 ? env.findIndex((e, i) => i > javaIndex && e.name === NODE_IP_ENV) : -1;
  if (later >= 0) {
    return {
      action: {
        mutator: 'client-config',
        outcome: 'conflict',
        subject,
        path: `${path}[${later}]`,
        reason: `it is defined after ${JAVA_OPTS}, so $(${NODE_IP_ENV}) would not expand there; -D${HOSTNAME_PROPERTY} was not added`,
        hint: `move ${NODE_IP_ENV} above ${JAVA_OPTS} in the env list, or remove it and let graphdata set it`,
      },
    };
  }
  return {
    action: { mutator: 'client-config', outcome: 'applied', subject },
    insertAt: javaIndex >= 0 ? javaIndex : env.length,
  };
}

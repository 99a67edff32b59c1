// A real cluster on loopback for e2e tests: etcd, kube-apiserver, kube-controller-manager
// (all its default controllers: Deployments, Jobs, namespaces, garbage collection, role
// aggregation...), kube-scheduler, and kwok in place of kubelets, playing the fake Nodes of
// fake-nodes.ts: pods bound there turn Running and Ready without any container running.
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { createCA, issueCert, type CertPair } from '../../certs/pki.js';
import { loadKubeConfig, type ClusterInfo, type ClusterUser } from './cluster-info.js';
import { FAKE_NODES, KWOK_NODE_ANNOTATION } from './fake-nodes.js';
import { ManagedProcess, onEmergency } from './process.js';

export type { ClusterInfo, ClusterUser };

export interface StartOptions {
  /** Directory holding etcd, kube-apiserver, kube-controller-manager and kube-scheduler. */
  binDir: string;
  /** Directory holding the `kwok` binary and its `stages.yaml` (see build.sh). */
  kwokDir: string;
  /** Directory of CRD YAML files to install and wait for. */
  crdDir?: string;
  /** How long to wait for /readyz; it takes 6-11s on 2 idle cores, more under load. */
  readyTimeoutMs?: number;
  /** More kube-apiserver flags (`--feature-gates=…` for a test of a gate turned off). */
  apiserverArgs?: string[];
}

const ADMIN = 'graphdata-admin';
const TENANT = 'graphdata-tenant';
const CLUSTER = 'graphdata-e2e';
const TMP_PREFIX = 'graphdata-cp-';
const OWNER_FILE = 'owner.pid';

export class ControlPlane {
  private constructor(
    readonly info: ClusterInfo,
    /** Milliseconds until etcd + kube-apiserver were ready, and then the rest of the cluster. */
    readonly startupMs: { apiserver: number; controllersAndNodes: number },
    private readonly procs: ManagedProcess[],
    private readonly unregisterTmp: () => void,
  ) {}

  static async start(opts: StartOptions): Promise<ControlPlane> {
    const t0 = Date.now();
    await sweepStaleDirs();
    const tmpDir = await mkdtemp(join(tmpdir(), TMP_PREFIX));
    await writeFile(join(tmpDir, OWNER_FILE), String(process.pid));
    // Retries: a just-SIGKILLed etcd may still be writing for a few milliseconds.
    const unregisterTmp = onEmergency(() => rmSync(tmpDir, { recursive: true, force: true, maxRetries: 10 }));
    const procs: ManagedProcess[] = [];
    try {
      const [etcdPort, peerPort, apiPort] = (await freePorts(3)) as [number, number, number];
      const pki = await writePki(tmpDir);

      const etcdUrl = `http://127.0.0.1:${etcdPort}`;
      const peerUrl = `http://127.0.0.1:${peerPort}`;
      const etcd = new ManagedProcess(
        'etcd',
        join(opts.binDir, 'etcd'),
        [
          `--data-dir=${join(tmpDir, 'etcd')}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          // Explicit peer URLs: the default :2380 would clash between parallel runs.
          `--listen-peer-urls=${peerUrl}`,
          `--initial-advertise-peer-urls=${peerUrl}`,
          `--initial-cluster=default=${peerUrl}`,
          // Throwaway data: fsync only slows every write down.
          '--unsafe-no-fsync=true',
        ],
        join(tmpDir, 'etcd.log'),
      );
      procs.push(etcd);
      await waitFor(etcd, 30_000, () => httpOk(`${etcdUrl}/health`));

      const server = `https://127.0.0.1:${apiPort}`;
      const apiserver = new ManagedProcess(
        'kube-apiserver',
        join(opts.binDir, 'kube-apiserver'),
        [
          `--etcd-servers=${etcdUrl}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          // Since 1.35 the endpoint reconciler refuses a loopback advertise address; nothing
          // here reaches the apiserver through the `kubernetes` Service, so none is kept.
          '--endpoint-reconciler-type=none',
          `--secure-port=${apiPort}`,
          // The apiserver serves apiserver.crt/.key from here (signed by our CA) instead of self-signing.
          `--cert-dir=${pki.certDir}`,
          `--client-ca-file=${pki.caFile}`,
          `--service-account-key-file=${pki.saPublic}`,
          `--service-account-signing-key-file=${pki.saPrivate}`,
          `--service-account-issuer=${server}/`,
          '--authorization-mode=RBAC',
          '--service-cluster-ip-range=10.0.0.0/24',
          // kube-controller-manager creates each namespace's `default` ServiceAccount, but only
          // after the namespace exists: tests create a namespace and a pod at once, which this
          // plugin would reject until then (as in any cluster). It stays off; see docs/testing.md.
          '--disable-admission-plugins=ServiceAccount',
          '--allow-privileged=true',
          ...(opts.apiserverArgs ?? []),
        ],
        join(tmpDir, 'kube-apiserver.log'),
      );
      procs.push(apiserver);
      const admin = pki.users[ADMIN]!;
      await waitFor(apiserver, opts.readyTimeoutMs ?? 120_000, () =>
        httpsOk(`${server}/readyz`, { ca: pki.ca.certPem, cert: admin.certPem, key: admin.keyPem }),
      );

      const info: ClusterInfo = {
        kubeconfig: join(tmpDir, 'kubeconfig'),
        server,
        adminContext: ADMIN,
        tenantContext: TENANT,
        adminUser: ADMIN,
        tenantUser: TENANT,
        caPem: pki.ca.certPem,
        tmpDir,
      };
      await writeKubeconfig(info, pki.users);
      const kc = loadKubeConfig(info, 'admin');
      const t1 = Date.now();
      const started = await startWorkloadComponents(kc, opts, info.kubeconfig, pki, tmpDir);
      procs.push(...started);
      const startupMs = { apiserver: t1 - t0, controllersAndNodes: Date.now() - t1 };
      const cp = new ControlPlane(info, startupMs, procs, unregisterTmp);
      if (opts.crdDir) await installCrds(cp.kubeConfig('admin'), opts.crdDir);
      return cp;
    } catch (err) {
      await stopAll(procs);
      // Keep the logs the error points at; drop the bulky etcd data. The next run's
      // sweepStaleDirs removes the rest once this process is gone.
      await rm(join(tmpDir, 'etcd'), { recursive: true, force: true });
      unregisterTmp();
      throw err;
    }
  }

  /** A client config for the admin (system:masters) or the tenant (no groups, no RBAC). */
  kubeConfig(user: ClusterUser): k8s.KubeConfig {
    return loadKubeConfig(this.info, user);
  }

  /** Stops every process (SIGTERM, then SIGKILL) and removes the temp dir. Idempotent. */
  async stop(): Promise<void> {
    await stopAll(this.procs);
    await rm(this.info.tmpDir, { recursive: true, force: true });
    this.unregisterTmp();
  }
}

async function stopAll(procs: ManagedProcess[]): Promise<void> {
  // Last started first: controllers, then the apiserver (it would log etcd connection
  // errors while shutting down), then etcd.
  for (const p of [...procs].reverse()) await p.stop(5_000);
}

/**
 * Removes temp dirs of runs whose test process died without cleaning up (SIGKILL):
 * etcd preallocates its WAL, so each one holds over 100 MB.
 */
async function sweepStaleDirs(): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith(TMP_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    const owner = Number(await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => ''));
    if (owner > 0 && !isAlive(owner)) await rm(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

// ---- controllers, scheduler, fake nodes ---------------------------------------------------

/**
 * Starts kube-controller-manager, kube-scheduler and kwok (all as the admin, no leader
 * election, no serving port: nothing here needs their metrics, and fixed ports would
 * clash between parallel runs), registers the fake Nodes, and waits until they work.
 */
async function startWorkloadComponents(
  kc: k8s.KubeConfig,
  opts: StartOptions,
  kubeconfig: string,
  pki: { caFile: string; saPrivate: string },
  tmpDir: string,
): Promise<ManagedProcess[]> {
  const common = [`--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--secure-port=0'];
  const kcm = new ManagedProcess(
    'kube-controller-manager',
    join(opts.binDir, 'kube-controller-manager'),
    [
      ...common,
      // Signs the tokens of ServiceAccount token Secrets: the key the apiserver verifies with.
      `--service-account-private-key-file=${pki.saPrivate}`,
      `--root-ca-file=${pki.caFile}`,
      '--controllers=*',
    ],
    join(tmpDir, 'kube-controller-manager.log'),
  );
  const scheduler = new ManagedProcess(
    'kube-scheduler',
    join(opts.binDir, 'kube-scheduler'),
    common,
    join(tmpDir, 'kube-scheduler.log'),
  );
  const [key, value] = Object.entries(KWOK_NODE_ANNOTATION)[0]!;
  const kwok = new ManagedProcess(
    'kwok',
    join(opts.kwokDir, 'kwok'),
    [
      `--kubeconfig=${kubeconfig}`,
      `--config=${join(opts.kwokDir, 'stages.yaml')}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${key}=${value}`,
      // Pod IPs: any range apart from the Service range (10.0.0.0/24).
      '--cidr=10.244.0.0/16',
      // Renew each Node's Lease as a kubelet does (the flag's default, 0, keeps none), or
      // the node lifecycle controller marks the Nodes unreachable, their pods not Ready.
      '--node-lease-duration-seconds=40',
    ],
    join(tmpDir, 'kwok.log'),
  );
  const procs = [kcm, scheduler, kwok];
  try {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    for (const node of FAKE_NODES) {
      await core.createNode({
        body: {
          metadata: {
            name: node.name,
            annotations: { ...KWOK_NODE_ANNOTATION },
            labels: { ...node.labels, 'kubernetes.io/hostname': node.name, 'kubernetes.io/os': 'linux' },
          },
        },
      });
    }
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    await Promise.all([
      // kube-controller-manager: the built-in `edit` role holds what its aggregated parts
      // bring (RBAC e2e needs it), and namespaces get their `default` ServiceAccount.
      waitFor(kcm, 90_000, async () =>
        Boolean((await rbac.readClusterRole({ name: 'edit' }).catch(() => undefined))?.rules?.length),
      ),
      waitFor(kcm, 90_000, async () =>
        Boolean(await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' }).catch(() => false)),
      ),
      // kwok: every fake Node reports Ready.
      waitFor(kwok, 60_000, async () => {
        const nodes = (await core.listNode()).items;
        return FAKE_NODES.every((want) =>
          nodes
            .find((n) => n.metadata?.name === want.name)
            ?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
      }),
    ]);
    // kube-scheduler serves no port here to probe; it must at least still be alive.
    if (!scheduler.running) {
      throw new Error(
        `kube-scheduler ${scheduler.exitStatus} (full log: ${scheduler.logFile}):\n${scheduler.logTail()}`,
      );
    }
    return procs;
  } catch (err) {
    await stopAll(procs);
    throw err;
  }
}

// ---- PKI ----------------------------------------------------------------------------

async function writePki(tmpDir: string) {
  const certDir = join(tmpDir, 'apiserver-certs');
  await mkdir(certDir, { recursive: true, mode: 0o700 });
  const ca = createCA({ commonName: 'graphdata-e2e-ca', validityDays: 2 });
  const serving = issueCert({
    ca,
    commonName: 'kube-apiserver',
    usage: 'server',
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    ipAddresses: ['127.0.0.1', '10.0.0.1'], // 10.0.0.1: the `kubernetes` Service IP
    validityDays: 1,
  });
  // The apiserver maps a client cert's CN to the user and O to groups.
  const users: Record<string, CertPair> = {
    [ADMIN]: issueCert({ ca, commonName: ADMIN, organizations: ['system:masters'], usage: 'client', validityDays: 1 }),
    [TENANT]: issueCert({ ca, commonName: TENANT, usage: 'client', validityDays: 1 }),
  };
  const sa = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const files = {
    caFile: join(tmpDir, 'ca.crt'),
    saPublic: join(tmpDir, 'sa.pub'),
    saPrivate: join(tmpDir, 'sa.key'),
  };
  await Promise.all([
    writeFile(files.caFile, ca.certPem),
    writeFile(join(certDir, 'apiserver.crt'), serving.certPem),
    writeFile(join(certDir, 'apiserver.key'), serving.keyPem, { mode: 0o600 }),
    writeFile(files.saPublic, sa.publicKey),
    writeFile(files.saPrivate, sa.privateKey, { mode: 0o600 }),
  ]);
  return { ca, users, certDir, ...files };
}

async function writeKubeconfig(info: ClusterInfo, users: Record<string, CertPair>): Promise<void> {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CLUSTER, cluster: { server: info.server, 'certificate-authority-data': b64(info.caPem) } }],
    users: Object.entries(users).map(([name, pair]) => ({
      name,
      user: { 'client-certificate-data': b64(pair.certPem), 'client-key-data': b64(pair.keyPem) },
    })),
    contexts: [info.adminContext, info.tenantContext].map((name) => ({
      name,
      context: { cluster: CLUSTER, user: name },
    })),
    'current-context': info.adminContext,
  };
  await writeFile(info.kubeconfig, stringify(config), { mode: 0o600 });
}

// ---- readiness ------------------------------------------------------------------------

/** Polls `probe` until true; fails fast (with the log tail) if the process dies. */
async function waitFor(proc: ManagedProcess, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.running) break;
    if (await probe()) return;
    await sleep(250);
  }
  const why = proc.running ? `not ready after ${timeoutMs / 1000}s` : proc.exitStatus;
  throw new Error(`${proc.name} ${why} (full log: ${proc.logFile}); last lines:\n${proc.logTail()}`);
}

async function httpOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

function httpsOk(url: string, tls: { ca: string; cert: string; key: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(url, { ...tls, agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function freePorts(n: number): Promise<number[]> {
  // Hold all listeners open together so the n ports are distinct. The kernel could
  // hand a port to someone else before our binaries bind it; rare on loopback.
  const servers = Array.from({ length: n }, () => createServer());
  return Promise.all(
    servers.map(
      (s) =>
        new Promise<number>((resolve, reject) => {
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => {
            const addr = s.address();
            resolve(typeof addr === 'object' && addr ? addr.port : 0);
          });
        }),
    ),
  ).finally(() => {
    for (const s of servers) s.close();
  });
}

// ---- CRDs -------------------------------------------------------------------------------

async function installCrds(kc: k8s.KubeConfig, dir: string): Promise<void> {
  const api = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const names: string[] = [];
  for (const file of files) {
    // loadAllYaml maps YAML keys onto client-node's models (`x-kubernetes-*`, `default`,
    // `enum`...); passing raw parsed YAML would make its serializer drop those fields.
    const docs = k8s.loadAllYaml(await readFile(join(dir, file), 'utf8')) as k8s.V1CustomResourceDefinition[];
    for (const crd of docs.filter((d) => d?.kind === 'CustomResourceDefinition')) {
      await api.createCustomResourceDefinition({ body: crd });
      names.push(crd.metadata!.name!);
    }
  }
  await Promise.all(names.map((name) => waitEstablished(api, name)));
}

async function waitEstablished(api: k8s.ApiextensionsV1Api, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let conditions: k8s.V1CustomResourceDefinitionCondition[] = [];
  while (Date.now() < deadline) {
    conditions = (await api.readCustomResourceDefinition({ name })).status?.conditions ?? [];
    if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) return;
    await sleep(200);
  }
  const seen = conditions.map((c) => `${c.type}=${c.status} (${c.reason ?? ''}: ${c.message ?? ''})`).join('; ');
  throw new Error(`CRD ${name} not Established after ${timeoutMs / 1000}s; conditions: ${seen || 'none'}`);
}

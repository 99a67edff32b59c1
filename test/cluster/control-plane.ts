// A real etcd + kube-apiserver on loopback for e2e tests, started the way
// controller-runtime's envtest does it: no controller-manager, scheduler or kubelet,
// except for one controller of kube-controller-manager, ClusterRole aggregation, so that
// the built-in admin/edit/view roles hold what aggregated ClusterRoles add (RBAC e2e).
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
import { ManagedProcess, onEmergency } from './process.js';

export type { ClusterInfo, ClusterUser };

export interface StartOptions {
  /** Directory holding the `etcd`, `kube-apiserver` and `rbac-aggregation` binaries. */
  binDir: string;
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
    private readonly procs: ManagedProcess[],
    private readonly unregisterTmp: () => void,
  ) {}

  static async start(opts: StartOptions): Promise<ControlPlane> {
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
          // No controller-manager runs, so nothing creates the `default` ServiceAccount in a
          // namespace; the ServiceAccount admission plugin would then reject every Pod.
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
      const aggregation = new ManagedProcess(
        'rbac-aggregation',
        join(opts.binDir, 'rbac-aggregation'),
        [`--kubeconfig=${info.kubeconfig}`, `--context=${ADMIN}`],
        join(tmpDir, 'rbac-aggregation.log'),
      );
      procs.push(aggregation);
      // Ready once the built-in `edit` role holds the rules its aggregated parts bring.
      const rbac = loadKubeConfig(info, 'admin').makeApiClient(k8s.RbacAuthorizationV1Api);
      await waitFor(aggregation, 60_000, async () =>
        Boolean((await rbac.readClusterRole({ name: 'edit' }).catch(() => undefined))?.rules?.length),
      );
      const cp = new ControlPlane(info, procs, unregisterTmp);
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

  /** Stops both processes (SIGTERM, then SIGKILL) and removes the temp dir. Idempotent. */
  async stop(): Promise<void> {
    await stopAll(this.procs);
    await rm(this.info.tmpDir, { recursive: true, force: true });
    this.unregisterTmp();
  }
}

async function stopAll(procs: ManagedProcess[]): Promise<void> {
  // apiserver first: it would log etcd connection errors while shutting down.
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

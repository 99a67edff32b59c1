// Self-managed certificates in the cluster (`--self-managed`): every replica serves the
// pair in the TLS Secret, read through the API; the replica holding the Lease renews the
// certificates before they expire and patches the caBundle of the webhook configurations.
//
// The one rule: no replica serves a certificate the caBundle does not trust. The leader
// publishes the bundle before it stores a cert that needs it, and every replica checks
// the bundle before it loads a new pair (a pair it cannot verify yet is retried).
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import type * as k8s from '@kubernetes/client-node';
import type { CertPair } from '../certs/pki.js';
import { bundleTrusts, keyMatches, type WebhookIdentity } from '../certs/rollover.js';
import {
  type CertClients,
  readServingSecret,
  readWebhookBundles,
  rotateClusterCerts,
} from '../common/cluster-certs.js';
import { APP_LABELS, APP_NAME, HTTPS_PORT, LEADER_LEASE, WEBHOOK_FIELD_MANAGER } from '../common/cluster-names.js';

export interface SelfManagedOptions {
  kc: k8s.KubeConfig;
  namespace: string;
  /** This replica's name in the Lease (the pod name in the cluster). */
  identity?: string;
  /** More SANs for a webhook outside the cluster (development, the e2e tests). */
  extraSans?: readonly string[];
  /**
   * Where the replicas listen, to ask which cert each serves; default: the Ready pods
   * of the Deployment, at their pod IP.
   */
  peerUrls?: readonly string[];
  /**
   * TLS connections made to each peer when checking what it serves: a pod of several serving
   * processes (serving-processes.ts) hands each new connection to the next one, so one
   * connection would see one process of it.
   */
  connectionsPerPeer?: number;
  leaseDurationSeconds?: number;
  /** How often the Lease is renewed or tried. */
  leaseRetryMs?: number;
  /** How often the leader checks the certificates. */
  checkIntervalMs?: number;
  /** How often every replica looks for a new pair in the Secret. */
  reloadIntervalMs?: number;
  /** Time the apiserver gets to see a caBundle change before a cert that needs it is stored. */
  propagationMs?: number;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Called with each new pair to serve. */
  onPair(pair: CertPair): void;
}

export interface SelfManaged {
  /** The pair to start serving with (trusted by the bundle). */
  initial: CertPair;
  isLeader(): boolean;
  /** Stops the loops and gives up the Lease, so another replica takes over at once. */
  stop(): Promise<void>;
}

export async function startSelfManaged(opts: SelfManagedOptions): Promise<SelfManaged> {
  const k8s = await import('@kubernetes/client-node');
  const clients: CertClients = {
    core: opts.kc.makeApiClient(k8s.CoreV1Api),
    admission: opts.kc.makeApiClient(k8s.AdmissionregistrationV1Api),
  };
  const coordination = opts.kc.makeApiClient(k8s.CoordinationV1Api);
  const { namespace, log } = opts;
  const me = opts.identity ?? process.env.POD_NAME ?? `${hostname()}-${process.pid}`;
  const leaseSeconds = opts.leaseDurationSeconds ?? 15;
  const id: WebhookIdentity = { service: APP_NAME, namespace, extraSans: opts.extraSans ?? [] };
  let leader = false;
  let stopped = false;
  let current: CertPair | undefined;
  const timers: NodeJS.Timeout[] = [];

  /** The Secret's pair, if it is whole and every webhook configuration trusts it. */
  async function trustedPair(): Promise<{ pair?: CertPair; why?: string }> {
    const secret = await readServingSecret(clients.core, namespace);
    if (!secret?.certPem || !secret.keyPem) return { why: 'the Secret holds no tls.crt/tls.key yet' };
    const pair = { certPem: secret.certPem, keyPem: secret.keyPem };
    if (!keyMatches(pair)) return { why: 'tls.key does not match tls.crt' };
    const untrusting = (await readWebhookBundles(clients.admission)).filter(
      (w) => !bundleTrusts(w.bundle, pair.certPem),
    );
    if (untrusting.length) {
      return {
        why: `the caBundle of ${untrusting.map((w) => `${w.kind} ${w.name}`).join(', ')} does not trust it yet`,
      };
    }
    return { pair };
  }

  async function tryLease(): Promise<boolean> {
    const now = new k8s.V1MicroTime();
    const lease = await coordination.readNamespacedLease({ name: LEADER_LEASE, namespace });
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired = renewed + (spec.leaseDurationSeconds ?? leaseSeconds) * 1000 < now.getTime();
    if (holder && holder !== me && !expired) return false;
    const takeover = holder !== me;
    lease.spec = {
      ...spec,
      holderIdentity: me,
      leaseDurationSeconds: leaseSeconds,
      renewTime: now,
      ...(takeover ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + (holder ? 1 : 0) } : {}),
    };
    try {
      // resourceVersion travels with the object: if another replica won the race, this is a 409.
      await coordination.replaceNamespacedLease({
        name: LEADER_LEASE,
        namespace,
        body: lease,
        fieldManager: WEBHOOK_FIELD_MANAGER,
      });
    } catch (error) {
      if ((error as { code?: number }).code === 409) return false;
      throw error;
    }
    if (takeover) log.info({ identity: me, lease: LEADER_LEASE }, 'became the certificate leader');
    return true;
  }

  async function leaseTick(): Promise<void> {
    try {
      const was = leader;
      leader = await tryLease();
      if (was && !leader) log.warn({ identity: me }, 'lost the certificate lease');
      if (leader && !was) void checkCertificates();
    } catch (error) {
      if (leader) log.warn({ reason: (error as Error).message }, 'cannot renew the certificate lease');
      leader = false;
    }
  }

  let checking = false;
  async function checkCertificates(): Promise<void> {
    if (!leader || checking || stopped) return;
    checking = true;
    try {
      const result = await rotateClusterCerts(clients, namespace, id, {
        liveServing,
        propagationMs: opts.propagationMs ?? 5000,
        fieldManager: WEBHOOK_FIELD_MANAGER,
        log: (message) => log.info({ identity: me }, message),
      });
      if (result.reasons.length) log.info({ reasons: result.reasons }, 'certificates renewed');
      // A rollover finishes once the replicas serve the new cert: check again soon.
      if (result.extraCAs > 0 && !stopped) timers.push(setTimeout(() => void checkCertificates(), reloadMs * 2));
    } catch (error) {
      log.warn({ reason: (error as Error).message }, 'certificate check failed; retrying');
    } finally {
      checking = false;
    }
  }

  async function liveServing(): Promise<string[]> {
    const targets = opts.peerUrls
      ?.map((u) => new URL(u))
      .map((u) => ({ host: u.hostname, port: Number(u.port || 443) }));
    const peers = targets ?? (await podTargets());
    const each = async (p: { host: string; port: number }) => {
      const seen: (string | undefined)[] = [];
      for (let i = 0; i < (opts.connectionsPerPeer ?? 1); i++)
        seen.push(await servedCert(p.host, p.port).catch(() => undefined));
      return seen;
    };
    const certs = (await Promise.all(peers.map(each))).flat();
    // A peer that does not answer cannot be proven to serve the new cert: keep the old CA.
    if (certs.some((c) => c === undefined)) return [];
    return certs as string[];
  }

  async function podTargets(): Promise<{ host: string; port: number }[]> {
    const selector = Object.entries(APP_LABELS)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const pods = await clients.core.listNamespacedPod({ namespace, labelSelector: selector });
    return pods.items
      .filter((p) => p.status?.podIP && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .map((p) => ({ host: p.status!.podIP!, port: HTTPS_PORT }));
  }

  async function reloadTick(): Promise<void> {
    try {
      const { pair, why } = await trustedPair();
      if (!pair) {
        if (why && current) log.warn({ reason: why }, 'new certificate not loaded yet; keeping the current one');
        return;
      }
      if (pair.certPem === current?.certPem) return;
      current = pair;
      opts.onPair(pair);
      log.info({ identity: me }, 'loaded the serving certificate from the Secret');
    } catch (error) {
      log.warn(
        { reason: (error as Error).message },
        'cannot read the serving certificate Secret; keeping the current one',
      );
    }
  }

  const reloadMs = opts.reloadIntervalMs ?? 5000;
  // Start: take the lease if free (a fresh install's leader fixes missing certs), then wait for a trusted pair.
  await leaseTick();
  let initial: CertPair | undefined;
  for (let attempt = 0; !initial; attempt++) {
    if (leader) await checkCertificates();
    const { pair, why } = await trustedPair();
    if (pair) initial = pair;
    else {
      if (attempt % 10 === 0) log.warn({ reason: why }, 'waiting for a serving certificate in the Secret');
      await new Promise((r) => setTimeout(r, 1000));
      if (!leader) await leaseTick();
    }
  }
  current = initial;

  const every = (ms: number, fn: () => Promise<void>) => {
    const timer = setInterval(() => void fn(), ms);
    timer.unref();
    timers.push(timer);
  };
  every(opts.leaseRetryMs ?? 5000, leaseTick);
  every(reloadMs, reloadTick);
  every(opts.checkIntervalMs ?? 60_000, checkCertificates);

  return {
    initial,
    isLeader: () => leader,
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      if (!leader) return;
      try {
        const lease = await coordination.readNamespacedLease({ name: LEADER_LEASE, namespace });
        if (lease.spec?.holderIdentity === me) {
          lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 };
          await coordination.replaceNamespacedLease({
            name: LEADER_LEASE,
            namespace,
            body: lease,
            fieldManager: WEBHOOK_FIELD_MANAGER,
          });
        }
      } catch {
        /* the lease expires on its own */
      }
      leader = false;
    },
  };
}

/** The certificate a TLS server presents (PEM), without trusting it. */
export function servedCert(host: string, port: number, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false, ...(isIP(host) ? {} : { servername: host }) });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TLS answer from ${host}:${port}`)));
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      if (!raw) return reject(new Error(`${host}:${port} presented no certificate`));
      const b64 = raw.toString('base64').replace(/.{64}/g, '$&\n');
      resolve(`-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`);
    });
    socket.once('error', reject);
  });
}

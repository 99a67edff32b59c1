// Self-managed certificates on the real apiserver: two webhook replicas, the second of two
// serving processes (--processes 2), elect one leader through the Lease; a CA rollover and a
// leader-driven renewal happen while pods are created through the apiserver with
// failurePolicy Fail, and not one admission fails.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectCert, issueCert, splitPemCerts, splitSans, verifyChain } from '../../certs/pki.js';
import { generateWebhookCerts, servingSans } from '../../certs/rollover.js';
import { writeCaSecret, writeServingSecret } from '../../common/cluster-certs.js';
import { LEADER_LEASE } from '../../common/cluster-names.js';
import { mutatingWebhookConfiguration } from '../../plugin/webhook-objects/registration.js';
import { servedCert } from '../../webhook/self-managed.js';
import { ANNOTATION_INJECTED } from '../../policies/model.js';
import { cluster, kubeConfig } from '../cluster/kube.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { REPO_ROOT, WEBHOOK_MAIN } from '../support/spawn-webhook.js';

const execFileAsync = promisify(execFile);
const NS = 'gd-self-managed';
const TENANT = 'gd-self-managed-tenant';
const id = { service: 'graphdata-webhook', namespace: NS, extraSans: ['localhost', '127.0.0.1'] };
const kc = () => kubeConfig('admin');
const core = () => kc().makeApiClient(k8s.CoreV1Api);
const admission = () => kc().makeApiClient(k8s.AdmissionregistrationV1Api);
const coordination = () => kc().makeApiClient(k8s.CoordinationV1Api);

interface Replica {
  child: ChildProcess;
  port: number;
  logs: () => string;
}
let replicas: Replica[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `processes` serving processes (more than one: a primary hands them connections in turn). */
function startReplica(port: number, peers: number[], processes = 1): Promise<Replica> {
  const child = spawn(
    process.execPath,
    [
      WEBHOOK_MAIN,
      '--self-managed',
      '--namespace',
      NS,
      '--kubeconfig',
      cluster().kubeconfig,
      '--port',
      String(port),
      '--extra-san',
      'localhost',
      '--extra-san',
      '127.0.0.1',
      ...peers.flatMap((p) => ['--peer-url', `https://127.0.0.1:${p}`]),
      '--cert-check-interval',
      '1',
      '--reload-interval',
      '1',
      ...(processes > 1 ? ['--processes', String(processes), '--memory-limit', '1100Mi'] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica on ${port} did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.split('graphdata webhook serving').length - 1 >= processes) {
        clearTimeout(timer);
        resolve({ child, port, logs: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`replica on ${port} exited with ${code}:\n${output}`));
    });
  });
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for ${what}\n${replicas.map((r) => r.logs()).join('\n---\n')}`);
}

const bundleOf = async () =>
  Buffer.from(
    (await admission().readMutatingWebhookConfiguration({ name: 'graphdata' })).webhooks![0]!.clientConfig.caBundle!,
    'base64',
  ).toString();
const fingerprint = (pem: string) => inspectCert(pem).fingerprintSha256;

/** What each replica serves, over four connections each: both processes of the second one. */
const servedByAll = async () =>
  (
    await Promise.all(
      replicas.map(async (r) => {
        const seen: string[] = [];
        for (let i = 0; i < 4; i++) seen.push(await servedCert('127.0.0.1', r.port));
        return seen;
      }),
    )
  ).flat();

/** Creates dry-run pods through the apiserver until stopped; every one must come back injected. */
function admitContinuously() {
  let running = true;
  const results = { created: 0, failures: [] as string[] };
  const loop = (async () => {
    while (running) {
      const body = sparkExecutorPod() as k8s.V1Pod;
      body.metadata = { ...body.metadata, name: undefined, generateName: 'rollover-' };
      try {
        const pod = await core().createNamespacedPod({ namespace: TENANT, body, dryRun: 'All' });
        if (pod.metadata?.annotations?.[ANNOTATION_INJECTED] === undefined) results.failures.push('not injected');
        results.created++;
      } catch (error) {
        results.failures.push((error as Error).message.slice(0, 300));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    results,
    stop: async () => {
      running = false;
      await loop;
      return results;
    },
  };
}

beforeAll(async () => {
  for (const [name, labels] of [
    [NS, {}],
    [TENANT, { 'graphdata.io/inject': 'enabled' }],
  ] as const) {
    await core()
      .createNamespace({ body: { metadata: { name, labels } } })
      .catch(() => undefined);
  }
  const certs = generateWebhookCerts(id);
  await writeCaSecret(core(), NS, certs.ca);
  await writeServingSecret(core(), NS, certs.serving, certs.ca.certPem);
  await coordination()
    .createNamespacedLease({ namespace: NS, body: { metadata: { name: LEADER_LEASE, namespace: NS }, spec: {} } })
    .catch(() => undefined);
  const [a, b] = [await freePort(), await freePort()];
  const config = mutatingWebhookConfiguration({
    // The apiserver calls the replica of two processes: each must serve a trusted pair.
    endpoint: { url: `https://127.0.0.1:${b}/mutate` },
    caBundle: certs.bundle,
    ownNamespace: NS,
  });
  // Fail closed: a replica serving a certificate the caBundle does not trust would show up as a failed create.
  config.webhooks![0]!.failurePolicy = 'Fail';
  await admission()
    .deleteMutatingWebhookConfiguration({ name: 'graphdata' })
    .catch(() => undefined);
  await admission().createMutatingWebhookConfiguration({ body: config });
  replicas = await Promise.all([startReplica(a, [a, b]), startReplica(b, [a, b], 2)]);
}, 120_000);

afterAll(async () => {
  await Promise.all(
    replicas.map(
      (r) =>
        new Promise<void>((resolve) => {
          if (r.child.exitCode !== null) return resolve();
          r.child.once('exit', () => resolve());
          r.child.kill('SIGTERM');
        }),
    ),
  );
  await admission()
    .deleteMutatingWebhookConfiguration({ name: 'graphdata' })
    .catch(() => undefined);
});

describe('self-managed certificates', () => {
  it('exactly one replica holds the Lease', async () => {
    const holder = await waitFor('a lease holder', async () => {
      return (
        (await coordination().readNamespacedLease({ name: LEADER_LEASE, namespace: NS })).spec?.holderIdentity ||
        undefined
      );
    });
    expect(holder).toBeTruthy();
    // Of the three serving processes, each in the Lease under its own name.
    const leaders = replicas
      .flatMap((r) => r.logs().split('\n'))
      .filter((l) => l.includes('became the certificate leader'));
    expect(leaders).toHaveLength(1);
  });

  it('CA rollover while pods are created: the caBundle holds both CAs until both replicas serve the new cert', async () => {
    const admissions = admitContinuously();
    await waitFor('first admissions', async () => admissions.results.created >= 3 || undefined);
    const oldCa = splitPemCerts(await bundleOf())[0]!.toString();
    // Asynchronously, so pods keep being created while the command publishes and stores.
    const rotate = await execFileAsync(
      'kubectl',
      ['graphdata', 'certs', 'rotate', '--ca', '--webhook-namespace', NS, '--kubeconfig', cluster().kubeconfig],
      {
        env: { ...process.env, PATH: `${join(REPO_ROOT, 'bin')}:${process.env.PATH}`, NO_COLOR: '1' },
        encoding: 'utf8',
      },
    );
    expect(rotate.stdout).toMatch(/caBundle published \(2 CAs\)/);
    const newCaPem = Buffer.from(
      (await core().readNamespacedSecret({ name: 'graphdata-webhook-ca', namespace: NS })).data!['ca.crt']!,
      'base64',
    ).toString();
    expect(fingerprint(newCaPem)).not.toBe(fingerprint(oldCa));
    // Both replicas reload the new serving cert…
    await waitFor('both replicas to serve a cert from the new CA', async () => {
      const served = await servedByAll();
      return served.every((pem) => verifyChain(pem, newCaPem).valid) || undefined;
    });
    // …and only then the leader drops the old CA.
    await waitFor('the leader to drop the old CA', async () => {
      const bundle = splitPemCerts(await bundleOf()).map((x) => x.fingerprint256);
      return (bundle.length === 1 && bundle[0] === fingerprint(newCaPem)) || undefined;
    });
    await new Promise((r) => setTimeout(r, 1500)); // admissions after the switch too
    const results = await admissions.stop();
    expect(results.failures).toEqual([]);
    expect(results.created).toBeGreaterThan(10);
  }, 120_000);

  it('the leader renews a serving cert in its last third of life, and no admission fails', async () => {
    const admissions = admitContinuously();
    const caSecret = await core().readNamespacedSecret({ name: 'graphdata-webhook-ca', namespace: NS });
    const ca = {
      certPem: Buffer.from(caSecret.data!['ca.crt']!, 'base64').toString(),
      keyPem: Buffer.from(caSecret.data!['ca.key']!, 'base64').toString(),
    };
    // 30-day cert with 5 days left: due.
    const ageing = issueCert({
      ca,
      commonName: 'graphdata-webhook.gd-self-managed.svc',
      usage: 'server',
      ...splitSans(servingSans(id)),
      validityDays: 30,
      notBefore: new Date(Date.now() - 25 * 86_400_000),
    });
    await writeServingSecret(core(), NS, ageing, ca.certPem);
    const renewed = await waitFor('a renewed serving cert in the Secret', async () => {
      const s = await core().readNamespacedSecret({ name: 'graphdata-webhook-tls', namespace: NS });
      const pem = Buffer.from(s.data!['tls.crt']!, 'base64').toString();
      return fingerprint(pem) !== fingerprint(ageing.certPem) ? pem : undefined;
    });
    // The leader writes as itself, so managedFields tell its renewals from the plugin's.
    const written = await core().readNamespacedSecret({ name: 'graphdata-webhook-tls', namespace: NS });
    const managers = (written.metadata?.managedFields ?? []).map((f) => f.manager);
    expect(managers).toContain('graphdata-webhook');
    expect(Math.round((inspectCert(renewed).notAfter.getTime() - Date.now()) / 86_400_000)).toBe(365);
    await waitFor('both replicas to serve the renewed cert', async () => {
      const served = await servedByAll();
      return served.every((pem) => fingerprint(pem) === fingerprint(renewed)) || undefined;
    });
    const results = await admissions.stop();
    expect(results.failures).toEqual([]);
    expect(results.created).toBeGreaterThan(3);
  }, 120_000);
});

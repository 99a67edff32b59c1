// /mutate beside a bare fastify HTTPS server with the same certificate answering a
// canned AdmissionReview: the ratio is what graphdata itself costs per request.
import { Agent, request } from 'node:https';
import Fastify from 'fastify';
import { createCA, issueCert } from '../../certs/pki.js';
import { staticPolicyStore } from '../../webhook/policy-store.js';
import { buildServer } from '../../webhook/server.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { defaultPolicy } from '../fixtures/policy.js';
import { admissionReview } from '../support/webhook-client.js';
import { fmtMs, median } from './stats.js';

function post(port: number, body: string, ca: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/mutate',
        method: 'POST',
        ca,
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Number(process.hrtime.bigint() - start) / 1e6)
            : reject(new Error(`status ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function measure(port: number, body: string, ca: string, requests: number, concurrency: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < requests) latencies.push(await post(port, body, ca, agent));
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { median: median(latencies), rps: requests / seconds };
}

export async function benchWebhook(rounds: number, requests: number, concurrency = 8) {
  const authority = createCA({ commonName: 'bench-ca' });
  const tls = issueCert({ ca: authority, commonName: 'bench', ipAddresses: ['127.0.0.1'], usage: 'server' });
  const body = JSON.stringify(admissionReview(sparkExecutorPod()));
  const canned = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: 'x', allowed: true },
  });

  const bare = Fastify({ https: { cert: tls.certPem, key: tls.keyPem }, logger: false, bodyLimit: 3 * 1024 * 1024 });
  bare.post('/mutate', async (req, reply) =>
    reply.type('application/json').send(canned.replace('"x"', JSON.stringify((req.body as any).request.uid))),
  );
  const ours = buildServer({
    tls: { cert: tls.certPem, key: tls.keyPem },
    policies: staticPolicyStore(defaultPolicy()),
    logger: false,
  });
  await Promise.all([bare.listen({ port: 0, host: '127.0.0.1' }), ours.app.listen({ port: 0, host: '127.0.0.1' })]);
  const portOf = (s: { address(): unknown }) => (s.address() as { port: number }).port;

  const floor: { median: number; rps: number }[] = [];
  const graphdata: { median: number; rps: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    floor.push(await measure(portOf(bare.server), body, authority.certPem, requests, concurrency));
    graphdata.push(await measure(portOf(ours.app.server), body, authority.certPem, requests, concurrency));
  }
  await Promise.all([bare.close(), ours.shutdown()]);
  const f = median(floor.map((r) => r.median));
  const g = median(graphdata.map((r) => r.median));
  const fr = median(floor.map((r) => r.rps));
  const gr = median(graphdata.map((r) => r.rps));
  return {
    floorLatency: fmtMs(f),
    graphdataLatency: `${fmtMs(g)} (${(g / f).toFixed(2)}× bare fastify)`,
    floorThroughput: `${fr.toFixed(0)} req/s`,
    graphdataThroughput: `${gr.toFixed(0)} req/s (${(gr / fr).toFixed(2)}× bare fastify)`,
    latencyRatio: g / f,
  };
}

// A mutating webhook that is not graphdata: it admits every pod and writes only the
// `graphdata.io/injected` annotation (a plausible record), injecting nothing. What
// install's self-test must not take for graphdata (plugin/install/probe-proof.ts).
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCA, issueCert } from '../../certs/pki.js';
import { ANNOTATION_INJECTED } from '../../policies/model.js';

export interface Impostor {
  url: string;
  /** PEM CA that signed its serving certificate. */
  ca: string;
  /** Reviews answered so far. */
  calls: () => number;
  stop(): Promise<void>;
}

const RECORD = JSON.stringify({
  policy: 'ClusterGraphDataPolicy/default',
  generation: 1,
  workload: 'spark-executor',
  containers: ['spark-kubernetes-executor'],
  mutators: ['client-jar', 'client-config', 'domain-socket', 'placement'],
});

export async function startImpostor(): Promise<Impostor> {
  const ca = createCA({ commonName: 'impostor-ca' });
  const serving = issueCert({
    ca,
    commonName: 'impostor',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
  });
  let calls = 0;
  const server: Server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      // Not graphdata: no /version, /readyz or anything else a GET asks for.
      if (req.method !== 'POST') {
        res.statusCode = 404;
        res.end();
        return;
      }
      calls++;
      const review = JSON.parse(body) as {
        request: { uid: string; object?: { metadata?: { annotations?: Record<string, string> } } };
      };
      const has = review.request.object?.metadata?.annotations !== undefined;
      // Only a mutating webhook may patch; anything else it is sent, it admits.
      const mutating = req.url?.startsWith('/mutate') ?? false;
      const patch = has
        ? [{ op: 'add', path: `/metadata/annotations/${ANNOTATION_INJECTED.replace('/', '~1')}`, value: RECORD }]
        : [{ op: 'add', path: '/metadata/annotations', value: { [ANNOTATION_INJECTED]: RECORD } }];
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response: {
            uid: review.request.uid,
            allowed: true,
            ...(mutating
              ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') }
              : {}),
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    ca: ca.certPem,
    calls: () => calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

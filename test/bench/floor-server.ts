// The webhook benchmark's floor: bare fastify over HTTPS with the same certificate,
// parsing the body and answering a constant allowed AdmissionReview with its uid.
// Usage: node dist/test/bench/floor-server.js CERT KEY   (prints the port it listens on)
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const [certFile, keyFile] = process.argv.slice(2);
if (!certFile || !keyFile) throw new Error('usage: floor-server.js CERT KEY');
const app = Fastify({
  https: { cert: readFileSync(certFile), key: readFileSync(keyFile) },
  logger: false,
  bodyLimit: 3 * 1024 * 1024,
});
app.post('/mutate', async (req) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  response: { uid: (req.body as { request: { uid: string } }).request.uid, allowed: true },
}));
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${(app.server.address() as { port: number }).port}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));

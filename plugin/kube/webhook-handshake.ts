// A TLS handshake with the webhook's endpoint: `status` and `certs rotate` ask whether
// it answers and which certificate it serves.
import { connect } from 'node:tls';
import { bundleTrusts } from '../../certs/rollover.js';

/** TLS to host:port: does it answer, and does `ca` trust what it serves? */
export function handshake(
  host: string,
  port: number,
  ca: string,
): Promise<{ connected: boolean; trusted: boolean; certPem?: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, ca: ca || undefined, rejectUnauthorized: false, servername: undefined });
    socket.setTimeout(3000, () => socket.destroy(new Error('no answer within 3s')));
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate().raw;
      const certPem = raw
        ? `-----BEGIN CERTIFICATE-----\n${raw.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`
        : undefined;
      const trusted = Boolean(certPem && ca && bundleTrusts(ca, certPem));
      socket.end();
      resolve({
        connected: true,
        trusted,
        ...(certPem ? { certPem } : {}),
        ...(trusted ? {} : { error: socket.authorizationError?.toString() ?? 'not signed by a CA in the bundle' }),
      });
    });
    socket.once('error', (error) => resolve({ connected: false, trusted: false, error: error.message }));
  });
}

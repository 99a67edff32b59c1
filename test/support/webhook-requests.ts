// How many admission requests a running webhook has answered on one path, from its own
// Prometheus counter: proof that the apiserver did (or did not) call it.
import https from 'node:https';

export async function answeredRequests(
  webhook: { url: string; ca: string },
  path: 'mutate' | 'validate',
): Promise<number> {
  const text = await new Promise<string>((resolve, reject) => {
    https
      .get(`${webhook.url}/metrics`, { ca: webhook.ca }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
  let total = 0;
  for (const m of text.matchAll(/^graphdata_admission_requests_total\{([^}]*)\} (\d+)/gm)) {
    if (m[1]!.includes(`webhook="${path}"`)) total += Number(m[2]);
  }
  return total;
}

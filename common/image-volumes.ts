// Does the cluster serve `image` volumes? The webhook asks once at start (to fall back
// to the init container without them) and `doctor` reports the same answer, so what
// doctor says is what the webhook does.
//
// ImageVolume (policies/mutators/client-jar.ts): beta and off by default in 1.33 and 1.34,
// on by default in 1.35 (an admin may still turn it off), GA and locked on from 1.36.
// Where the gate is off, the apiserver silently drops the image volumes of a new pod and
// their mounts (after mutating admission): the pod would start without the jar, and the
// safety net would then deny it. So on
// 1.33 to 1.35 the gate itself is read from the apiserver's `kubernetes_feature_enabled`
// metric (get on the non-resource URL /metrics); unreadable counts as off.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface ImageVolumeSupport {
  supported: boolean;
  /** One sentence: the server version, and what decided. */
  reason: string;
}

/** Longest /metrics line kept while looking for the gate; metric lines are far shorter. */
const MAX_LINE = 64 * 1024;
const GATE_LINE = /^kubernetes_feature_enabled\{[^}]*name="ImageVolume"[^}]*\}\s+(\d+)/m;

/** The server's major and minor from /version (`minor` may read "35+" on managed clusters). */
export function parseServerVersion(info: { major?: string; minor?: string; gitVersion?: string }): {
  major: number;
  minor: number;
  gitVersion: string;
} {
  return {
    major: Number.parseInt(info.major ?? '', 10),
    minor: Number.parseInt(info.minor ?? '', 10),
    gitVersion: info.gitVersion ?? `v${info.major}.${info.minor}`,
  };
}

/** Whether the ImageVolume gate is on, from the apiserver's /metrics text; undefined when not listed. */
export function imageVolumeGate(metrics: string): boolean | undefined {
  const m = GATE_LINE.exec(metrics);
  return m ? m[1] === '1' : undefined;
}

/** The decision from the version, and (1.33 to 1.35) the gate read from /metrics. */
export function decideImageVolumes(
  version: { major: number; minor: number; gitVersion: string },
  gate: { on?: boolean; error?: string } | undefined,
): ImageVolumeSupport {
  const { major, minor, gitVersion } = version;
  if (major > 1 || minor >= 36) return { supported: true, reason: `${gitVersion}: image volumes are GA` };
  if (minor < 33) return { supported: false, reason: `${gitVersion}: image volumes need Kubernetes 1.35 or newer` };
  if (gate?.on === true) return { supported: true, reason: `${gitVersion}: the ImageVolume feature gate is on` };
  if (gate?.on === false) return { supported: false, reason: `${gitVersion}: the ImageVolume feature gate is off` };
  return {
    supported: false,
    reason: `${gitVersion}: the ImageVolume feature gate could not be read (${gate?.error ?? 'not in /metrics'}); counted as off`,
  };
}

export async function imageVolumeSupport(kc: KubeConfig, timeoutMs = 10_000): Promise<ImageVolumeSupport> {
  const version = parseServerVersion(JSON.parse(await getText(kc, '/version', timeoutMs)));
  if (!Number.isFinite(version.minor) || !Number.isFinite(version.major)) {
    return {
      supported: false,
      reason: `the server version ${version.gitVersion} cannot be read; counted as no image volumes`,
    };
  }
  if (version.major > 1 || version.minor >= 36 || version.minor < 33) return decideImageVolumes(version, undefined);
  try {
    const found = imageVolumeGate(await getText(kc, '/metrics', timeoutMs, GATE_LINE));
    return decideImageVolumes(version, found === undefined ? undefined : { on: found });
  } catch (error) {
    return decideImageVolumes(version, { error: (error as Error).message });
  }
}

/**
 * GET a non-resource path as text, all of it within `timeoutMs` (a deadline, not an idle
 * timeout: a server that trickles bytes does not hold the caller). With `until`, the answer
 * is the first line `until` matches ('' when none does), and reading stops there: the
 * apiserver's /metrics runs to megabytes on a large cluster. Only the unfinished line is
 * kept between chunks; testing the whole text read so far at each chunk was quadratic
 * (11 s for 10 MB here, and past the webhook's 30 s start in the e2e suite on 1.35).
 */
async function getText(kc: KubeConfig, path: string, timeoutMs: number, until?: RegExp): Promise<string> {
  const server = kc.getCurrentCluster()?.server ?? '';
  const opts: https.RequestOptions = { headers: { Accept: 'application/json, text/plain' } };
  await kc.applyToHTTPSOptions(opts);
  const url = new URL(`${server.replace(/\/$/, '')}${path}`);
  const get = url.protocol === 'http:' ? http.get : https.get;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: { text: string } | { error: Error }) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      if ('error' in outcome) reject(outcome.error);
      else resolve(outcome.text);
    };
    const req = get(url, opts, (res) => {
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      const byLine = until !== undefined && ok;
      // The whole body, or by line the unfinished last line only (capped: metric lines are short).
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (!byLine) {
          text += chunk;
          return;
        }
        const lines = (text + chunk).split('\n');
        text = lines.pop() ?? '';
        if (text.length > MAX_LINE) text = '';
        const found = lines.find((line) => until.test(line));
        if (found !== undefined) settle({ text: found });
      });
      res.on('error', (error) => settle({ error }));
      res.on('end', () => {
        if (!ok) settle({ error: new Error(`GET ${path}: HTTP ${status}${status === 403 ? ' (forbidden)' : ''}`) });
        else settle({ text: byLine && !until.test(text) ? '' : text });
      });
    });
    const deadline = setTimeout(
      () => settle({ error: new Error(`GET ${path}: no answer within ${timeoutMs / 1000}s`) }),
      timeoutMs,
    );
    req.on('error', (error) => settle({ error }));
  });
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  decideImageVolumes,
  imageVolumeGate,
  imageVolumeSupport,
  parseServerVersion,
} from '../../../common/image-volumes.js';
import { writeKubeconfig } from '../../support/kubeconfig.js';

const v = (minor: string) => parseServerVersion({ major: '1', minor, gitVersion: `v1.${minor.replace('+', '')}.0` });

describe('image volume support', () => {
  it('reads the ImageVolume gate from the apiserver metrics text, whatever the label order', () => {
    const metrics = [
      '# HELP kubernetes_feature_enabled [BETA] This metric records the data about the stage and enablement of a k8s feature.',
      'kubernetes_feature_enabled{name="ImageMaximumGCAge",stage=""} 1',
      'kubernetes_feature_enabled{name="ImageVolume",stage="BETA"} 0',
    ].join('\n');
    expect(imageVolumeGate(metrics)).toBe(false);
    expect(imageVolumeGate('kubernetes_feature_enabled{stage="BETA",name="ImageVolume"} 1\n')).toBe(true);
    expect(imageVolumeGate('kubernetes_feature_enabled{name="ImageVolumeX",stage="BETA"} 1\n')).toBeUndefined();
    expect(imageVolumeGate('')).toBeUndefined();
  });

  it('1.36 and later: GA and locked on, whatever the metrics say', () => {
    expect(decideImageVolumes(v('36'), undefined).supported).toBe(true);
    expect(decideImageVolumes(v('37+'), { on: false }).supported).toBe(true);
  });

  it('1.33 to 1.35: the gate decides, and an unreadable gate counts as off', () => {
    expect(decideImageVolumes(v('35'), { on: true })).toEqual({
      supported: true,
      reason: 'v1.35.0: the ImageVolume feature gate is on',
    });
    expect(decideImageVolumes(v('35'), { on: false }).supported).toBe(false);
    const unread = decideImageVolumes(v('35'), { error: 'GET /metrics: HTTP 403 (forbidden)' });
    expect(unread.supported).toBe(false);
    expect(unread.reason).toContain('HTTP 403');
  });

  it('before 1.33: not served', () => {
    expect(decideImageVolumes(v('32'), { on: true }).supported).toBe(false);
  });
});

describe('image volume support read from a server', () => {
  const servers: http.Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      server.close();
    }
  });

  /** A kubeconfig for a plain-HTTP server answering /version as `minor` and /metrics with `metrics`. */
  async function serve(minor: string, metrics: (res: http.ServerResponse) => void): Promise<KubeConfig> {
    const server = http.createServer((req, res) => {
      if (req.url === '/version') return res.end(JSON.stringify({ major: '1', minor, gitVersion: `v1.${minor}.4` }));
      if (req.url === '/metrics') return metrics(res);
      res.statusCode = 404;
      res.end();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const kc = new KubeConfig();
    kc.loadFromFile(writeKubeconfig({ c: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
    return kc;
  }

  const histogramLine =
    'apiserver_request_duration_seconds_bucket{component="apiserver",group="",resource="pods",verb="GET",version="v1",le="0.005"} 12\n';

  it('finds the gate after 20 MB of /metrics in small chunks, and stops reading there', async () => {
    let closedEarly = false;
    const kc = await serve('35', (res) => {
      const block = histogramLine.repeat(100);
      let sent = 0;
      // 20 MB before the gate, then a server that would go on for ever: only stopping ends it.
      const write = () => {
        while (sent < 20e6) {
          sent += block.length;
          if (!res.write(block)) return void res.once('drain', write);
        }
        res.write('kubernetes_feature_enabled{name="ImageVolume",stage="BETA"} 1\n');
        const more = setInterval(() => res.write(histogramLine), 5);
        res.once('close', () => {
          clearInterval(more);
          closedEarly = !res.writableEnded;
        });
      };
      write();
    });
    expect(await imageVolumeSupport(kc, 60_000)).toEqual({
      supported: true,
      reason: 'v1.35.4: the ImageVolume feature gate is on',
    });
    await vi.waitFor(() => expect(closedEarly).toBe(true));
  });

  it('a /metrics that trickles is given up at the deadline and counted as off', async () => {
    const kc = await serve('35', (res) => {
      const drip = setInterval(() => res.write(histogramLine), 20);
      res.once('close', () => clearInterval(drip));
    });
    const support = await imageVolumeSupport(kc, 500);
    expect(support.supported).toBe(false);
    expect(support.reason).toBe(
      'v1.35.4: the ImageVolume feature gate could not be read (GET /metrics: no answer within 0.5s); counted as off',
    );
  });

  it('a /metrics without the gate line counts as off, and a 403 says forbidden', async () => {
    const without = await serve('34', (res) => res.end(histogramLine.repeat(1000)));
    expect((await imageVolumeSupport(without)).reason).toBe(
      'v1.34.4: the ImageVolume feature gate could not be read (not in /metrics); counted as off',
    );
    const forbidden = await serve('35', (res) => {
      res.statusCode = 403;
      res.end('{"kind":"Status"}');
    });
    expect((await imageVolumeSupport(forbidden)).reason).toContain('GET /metrics: HTTP 403 (forbidden)');
  });
});

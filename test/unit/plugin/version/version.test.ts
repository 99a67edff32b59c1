import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchClusterVersions } from '../../../../plugin/kube/server-version.js';
import { PLUGIN_VERSION } from '../../../../plugin/cli/plugin-version.js';
import { writeKubeconfig as kubeconfig } from '../../../support/kubeconfig.js';
import { runCli } from '../run-cli.js';

let apiserver: Server;
let silent: Server;
const url = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

beforeAll(async () => {
  apiserver = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify(
        req.url === '/version' ? { major: '1', minor: '31', gitVersion: 'v1.31.2', platform: 'linux/amd64' } : {},
      ),
    );
  });
  silent = createServer(() => {
    /* accepts the connection, never answers */
  });
  await Promise.all([apiserver, silent].map((s) => new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok))));
});
afterAll(() => {
  silent.closeAllConnections();
  for (const s of [apiserver, silent]) s.close();
});

describe('kubectl graphdata version', () => {
  it('--client prints plugin and engine only', async () => {
    const run = await runCli(['version', '--client']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `^plugin: +${PLUGIN_VERSION}\\nengine: +${PLUGIN_VERSION} \\(policy API graphdata.io/v1alpha1; mutators client-jar`,
      ),
    );
    expect(run.stdout).not.toContain('server');
  });

  it('-o json and -o yaml carry the same report', async () => {
    const json = JSON.parse((await runCli(['version', '--client', '-o', 'json'])).stdout);
    expect(json).toEqual({
      plugin: { version: PLUGIN_VERSION },
      engine: {
        version: PLUGIN_VERSION,
        policyApi: 'graphdata.io/v1alpha1',
        mutators: expect.arrayContaining(['client-jar', 'placement']),
      },
    });
    const { parse } = await import('yaml');
    expect(parse((await runCli(['version', '--client', '-o', 'yaml'])).stdout)).toEqual(json);
  });

  it('adds the apiserver version from the --kubeconfig / --context cluster', async () => {
    const config = kubeconfig({ down: 'http://127.0.0.1:1', up: url(apiserver) });
    const run = await runCli(['version', '--kubeconfig', config, '--context', 'up', '-o', 'json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).server).toEqual({ version: 'v1.31.2', platform: 'linux/amd64' });
    expect((await runCli(['version', '--kubeconfig', config, '--context', 'up'])).stdout).toMatch(
      /^server: +v1\.31\.2 \(linux\/amd64\)$/m,
    );
  });

  it('says "unreachable" without failing when the cluster does not answer or there is no kubeconfig', async () => {
    const refused = await runCli(['version', '--kubeconfig', kubeconfig({ down: 'http://127.0.0.1:1' })]);
    expect(refused.code).toBe(0);
    expect(refused.stdout).toMatch(/server: +unreachable — http:\/\/127\.0\.0\.1:1/);
    const missing = await runCli(['version', '--kubeconfig', '/nonexistent/kubeconfig', '-o', 'json']);
    expect(missing.code).toBe(0);
    expect(JSON.parse(missing.stdout).server.unreachable).toContain('cannot read kubeconfig');
  });

  it('gives up on a silent apiserver after the deadline', async () => {
    const started = Date.now();
    const result = await fetchClusterVersions({ kubeconfig: kubeconfig({ silent: url(silent) }) }, 300);
    expect(result.server).toEqual({ reachable: false, reason: `${url(silent)}: no answer within 0.3s` });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('version constants', () => {
  it('match package.json', async () => {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(PLUGIN_VERSION).toBe(pkg.version);
  });
});

// Commands that talk to a cluster, when the cluster is missing, silent or says no:
// the error says which, and `validate --server` keeps its offline findings.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_KUBECONFIG } from '../../../../plugin/kube/kubeconfig.js';
import { writeKubeconfig } from '../../../support/kubeconfig.js';
import { runCli as cli } from '../run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gd-cluster-access-'));
const LEGACY = fileURLToPath(new URL('../../../fixtures/manifests/legacy-cn.yaml', import.meta.url));

/** No $KUBECONFIG, a home without ~/.kube/config, not in a pod: nothing to connect with. */
const NOTHING = { KUBECONFIG: '', HOME: mkdtempSync(join(tmpdir(), 'gd-home-')), KUBERNETES_SERVICE_HOST: '' };

let apiserver: Server;
beforeAll(async () => {
  // Knows no pods: every read is kubectl's NotFound Status.
  apiserver = createServer((req, res) => {
    res.statusCode = 404;
    res.setHeader('content-type', 'application/json');
    const name = req.url?.split('/').at(-1);
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'NotFound',
        code: 404,
        message: `pods "${name}" not found`,
      }),
    );
  });
  await new Promise<void>((ok) => apiserver.listen(0, '127.0.0.1', ok));
});
afterAll(() => apiserver.close());
const up = () => writeKubeconfig({ up: `http://127.0.0.1:${(apiserver.address() as AddressInfo).port}` });
const down = () => writeKubeconfig({ down: 'https://127.0.0.1:1' });

describe('no kubeconfig at all', { timeout: 20_000 }, () => {
  it('validate --server and explain pod/NAME say so, exit 1, and never show client-node errors', async () => {
    for (const args of [
      ['validate', '-f', LEGACY, '--server'],
      ['explain', 'pod/wordcount-exec-1', '-n', 'analytics'],
    ]) {
      const run = await cli(args, { env: NOTHING });
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr).toContain(`error: ${NO_KUBECONFIG}`);
      expect(run.stderr).not.toMatch(/HTTP protocol|localhost:8080|skipTLSVerify/);
    }
  });

  it('treats KUBECONFIG naming only missing files as no kubeconfig, as kubectl does', async () => {
    const run = await cli(['explain', 'pod/x'], { env: { ...NOTHING, KUBECONFIG: join(dir, 'missing') } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(NO_KUBECONFIG);
  });

  it('version reports the cluster as unreachable with the same reason', async () => {
    const run = await cli(['version', '-o', 'json'], { env: NOTHING });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).server.unreachable).toBe(NO_KUBECONFIG);
  });

  it('merges the files of KUBECONFIG; the first current-context wins', async () => {
    const run = await cli(['explain', 'pod/x', '-n', 'ns'], {
      env: { ...NOTHING, KUBECONFIG: `${join(dir, 'missing')}:${up()}` },
    });
    expect(run.stderr).toContain('pods "x" not found');
  });
});

describe('explain pod/NAME says what failed', { timeout: 20_000 }, () => {
  it('a cluster that does not answer: connection, not the pod name', async () => {
    const run = await cli(['explain', 'pod/wordcount-exec-1', '-n', 'analytics', '--kubeconfig', down()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot read pod analytics/wordcount-exec-1');
    expect(run.stderr).toContain('hint: the cluster at https://127.0.0.1:1 did not answer');
    expect(run.stderr).not.toContain('check the name');
  });

  it('a pod that does not exist: the name and namespace', async () => {
    const run = await cli(['explain', 'pod/wordcount-exec-1', '-n', 'analytics', '--kubeconfig', up()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('pods "wordcount-exec-1" not found (404)');
    expect(run.stderr).toContain('hint: no such pod in that namespace: check the name and -n NAMESPACE');
    expect(run.stderr).not.toContain('did not answer');
  });
});

describe('validate --server without a cluster', { timeout: 20_000 }, () => {
  it('prints every offline finding, then the connection error, and exits 1', async () => {
    const offline = await cli(['validate', '-f', LEGACY]);
    const run = await cli(['validate', '-f', LEGACY, '--server', '--kubeconfig', down()]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(offline.stdout);
    expect(run.stdout).toContain('error placeholder');
    expect(run.stderr).toMatch(/^error: cannot reach the cluster at https:\/\/127\.0\.0\.1:1: /);
    expect(run.stderr).toContain('hint: check --kubeconfig and --context, or drop --server');
  });

  it('with -o json the report is complete and not valid, even when the offline checks pass', async () => {
    const good = fileURLToPath(new URL('../../../fixtures/manifests/spark-good.yaml', import.meta.url));
    const run = await cli(['validate', '-f', good, '--server', '--kubeconfig', down(), '-o', 'json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ valid: false, summary: { errors: 0, documents: 1 } });
    expect(run.stderr).toContain('cannot reach the cluster');
  });

  it('with no kubeconfig the offline findings come first as well', async () => {
    const run = await cli(['validate', '-f', '-', '--server'], { stdin: readFileSync(LEGACY, 'utf8'), env: NOTHING });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('<stdin>:');
    expect(run.stdout).toContain('4 errors, 0 warnings in 2 documents');
    expect(run.stderr).toContain(NO_KUBECONFIG);
  });
});

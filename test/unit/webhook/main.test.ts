// The webhook as `npm start` runs it: a child process with generated dev certs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectCert, issueCert } from '../../../certs/pki.js';
import { writeFileAtomic } from '../../../certs/store.js';
import { sparkExecutorPod } from '../../fixtures/pods.js';
import { REPO_ROOT, startWebhook, WEBHOOK_MAIN } from '../../support/spawn-webhook.js';
import { admissionReview, httpsCall, postJson } from '../../support/webhook-client.js';

describe('webhook process', { timeout: 60_000 }, () => {
  it('generates 0600 dev certs, serves, and exits 0 on SIGTERM', async () => {
    const certDir = join(mkdtempSync(join(tmpdir(), 'gd-certs-')), 'dev');
    const webhook = await startWebhook(['--port', '0', '--dev-cert-dir', certDir, '--drain', '0s']);
    try {
      expect(webhook.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(statSync(join(certDir, 'tls.key')).mode & 0o777).toBe(0o600);
      expect(statSync(join(certDir, 'ca.key')).mode & 0o777).toBe(0o600);
      expect((await httpsCall(`${webhook.url}/readyz`, webhook.ca)).status).toBe(200);
      const reply = await postJson(`${webhook.url}/mutate`, webhook.ca, admissionReview(sparkExecutorPod()));
      expect(reply.json().response.patchType).toBe('JSONPatch');
    } finally {
      expect(await webhook.stop('SIGTERM')).toBe(0);
    }
    const logLines = webhook
      .logs()
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    expect(logLines.map((l) => JSON.parse(l).msg)).toEqual(
      expect.arrayContaining(['admission', 'shutting down: not ready, draining', 'stopped']),
    );
  });

  it('`npm start` stopped with SIGTERM: the webhook gets the signal, drains and exits, npm exits 0', async () => {
    // What a user does with a backgrounded `npm start`: signal npm. npm forwards SIGTERM to the
    // script's shell only, so the webhook must be the script's process (exec), not a child of sh.
    const certDir = join(mkdtempSync(join(tmpdir(), 'gd-npm-')), 'dev');
    const npm = spawn(
      'npm',
      ['start', '--ignore-scripts', '--silent', '--', '--port', '0', '--dev-cert-dir', certDir, '--drain', '0s'],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const npmExit = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    let output = '';
    const serving = await new Promise<{ pid: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not serve:\n${output}`)), 30_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const line = output.split('\n').find((l) => l.includes('graphdata webhook serving'));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line) as { pid: number });
        }
      };
      npm.stdout!.on('data', onData);
      npm.stderr!.on('data', onData);
    });
    npm.kill('SIGTERM');
    try {
      expect(await npmExit).toBe(0);
      expect(output).toContain('"msg":"stopped"');
      expect(alive(serving.pid)).toBe(false);
    } finally {
      if (alive(serving.pid)) process.kill(serving.pid, 'SIGKILL');
    }
  });

  it('reloads a rotated serving certificate without a restart', async () => {
    const certDir = join(mkdtempSync(join(tmpdir(), 'gd-rotate-')), 'dev');
    const webhook = await startWebhook(['--port', '0', '--dev-cert-dir', certDir, '--drain', '0s']);
    try {
      const before = await servedCertSerial(webhook.url, webhook.ca);
      const ca = {
        certPem: readFileSync(join(certDir, 'ca.crt'), 'utf8'),
        keyPem: readFileSync(join(certDir, 'ca.key'), 'utf8'),
      };
      const next = issueCert({
        ca,
        commonName: 'graphdata-webhook',
        dnsNames: ['localhost'],
        ipAddresses: ['127.0.0.1'],
        usage: 'server',
      });
      // What a rotation (or a re-mounted Secret) does: key first, then cert, each atomically.
      await writeFileAtomic(join(certDir, 'tls.key'), next.keyPem, 0o600);
      await writeFileAtomic(join(certDir, 'tls.crt'), next.certPem, 0o644);
      const expected = inspectCert(next.certPem).serial;
      const deadline = Date.now() + 10_000;
      let served = before;
      while (served !== expected && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        served = await servedCertSerial(webhook.url, webhook.ca);
      }
      expect(served).not.toBe(before);
      expect(served).toBe(expected);
      expect(webhook.logs()).toContain('reloaded serving certificate');
      expect((await postJson(`${webhook.url}/mutate`, webhook.ca, admissionReview(sparkExecutorPod()))).status).toBe(
        200,
      );
    } finally {
      expect(await webhook.stop('SIGTERM')).toBe(0);
    }
  });

  it('SIGTERM: not ready at once, serves through --drain, exits 0 within --shutdown-timeout though a client hangs', async () => {
    const certDir = join(mkdtempSync(join(tmpdir(), 'gd-drain-')), 'dev');
    const webhook = await startWebhook([
      '--port',
      '0',
      '--dev-cert-dir',
      certDir,
      '--drain',
      '1500ms',
      '--shutdown-timeout',
      '4s',
    ]);
    const { hostname, port } = new URL(webhook.url);
    // Headers sent, body never finished: only the shutdown bound ends this one.
    const hanging = connect({ host: hostname, port: Number(port), ca: webhook.ca });
    hanging.on('error', () => {});
    hanging.write('POST /mutate HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{');
    await new Promise((r) => setTimeout(r, 300));
    const signalled = Date.now();
    const exited = webhook.stop('SIGTERM');
    expect((await httpsCall(`${webhook.url}/readyz`, webhook.ca)).status).toBe(503);
    const during = await postJson(`${webhook.url}/mutate`, webhook.ca, admissionReview(sparkExecutorPod()));
    expect(during.status).toBe(200); // a new connection inside the drain window is still served
    expect(Date.now() - signalled).toBeLessThan(1_500);
    expect(await exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(4_000 + 500); // the bound, plus process teardown
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(1_500);
    hanging.destroy();
  });

  it('refuses an invalid --policy with the file, line and a hint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gd-policy-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(
      file,
      'apiVersion: graphdata.io/v1alpha1\nkind: ClusterGraphDataPolicy\nmetadata: {name: p}\nspec:\n  placement:\n    mode: sometimes\n',
    );
    const run = spawnSync(process.execPath, [WEBHOOK_MAIN, '--policy', file, '--port', '0'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `${file}:6:11: error policy-enum: must be one of nodeSelector, required, preferred, none (spec.placement.mode)`,
    );
    expect(run.stderr).toContain('hint:');
  });

  it('plans its connection slots from the memory limit, and warns when its heap is not held as the plan counts on', async () => {
    const servingLine = (webhook: { logs(): string }) =>
      JSON.parse(
        webhook
          .logs()
          .split('\n')
          .find((l) => l.includes('graphdata webhook serving'))!,
      );
    const certDir = join(mkdtempSync(join(tmpdir(), 'gd-heap-')), 'dev');
    // As the image and `npm start` run it: 96 slots at 512 MiB, no warning.
    const planned = await startWebhook(['--port', '0', '--dev-cert-dir', certDir, '--drain', '0s']);
    try {
      expect(servingLine(planned).memory).toMatchObject({ limitMiB: 512, maxConnections: 96, maxBodyMiB: 32 });
      expect((await httpsCall(`${planned.url}/version`, planned.ca)).json().warnings).toBeUndefined();
    } finally {
      expect(await planned.stop('SIGTERM')).toBe(0);
    }
    // Plain `node dist/webhook/main.js`: V8's own heap limit, said in the log and in /version
    // (which `doctor` reads); --max-connections asked for is planned with.
    const plain = await startWebhook(
      ['--port', '0', '--dev-cert-dir', certDir, '--drain', '0s', '--max-connections', '200', '--memory-limit', '1Gi'],
      30_000,
      [],
    );
    try {
      expect(servingLine(plain).memory).toMatchObject({ limitMiB: 1024, maxConnections: 200, maxBodyMiB: 32 });
      const warnings: string[] = (await httpsCall(`${plain.url}/version`, plain.ca)).json().warnings;
      expect(warnings).toEqual([expect.stringMatching(/heap is not limited to 96 MB.*--max-old-space-size=96/)]);
      expect(plain.logs()).toMatch(/"level":40.*heap is not limited to 96 MB/);
    } finally {
      expect(await plain.stop('SIGTERM')).toBe(0);
    }
  });

  it('refuses --max-connections the memory limit cannot hold, saying how much memory would', () => {
    const run = spawnSync(process.execPath, [WEBHOOK_MAIN, '--max-connections', '3000', '--port', '0'], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/a memory limit of 512 MiB with 3000 connections .* give the webhook at least \d+ MiB/);
    const word = spawnSync(process.execPath, [WEBHOOK_MAIN, '--max-connections', 'many'], { encoding: 'utf8' });
    expect(word.status).toBe(2);
    expect(word.stderr).toContain('--max-connections must be auto or a positive whole number, got many');
  });

  it('rejects unknown flags with usage (exit 2)', () => {
    const run = spawnSync(process.execPath, [WEBHOOK_MAIN, '--prot', '1'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Usage: npm start');
  });
});

/** Serial of the certificate a new TLS connection is served (verified against the CA). */
function servedCertSerial(url: string, ca: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca, servername: undefined }, () => {
      const serial = socket.getPeerCertificate().serialNumber.toUpperCase();
      socket.end();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Offline and live must not disagree in silence: a Fluid reader whose AlluxioRuntime is
// missing from the input or not Ready there is denied by policy test and the webhook (the
// not-injected safety net); validate cannot see the cluster, and says that the cluster
// decides, at the pod's dataset annotation.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../../policies/diagnostics.js';
import { REPO_ROOT } from '../../../support/spawn-webhook.js';
import { runCli as cli } from '../run-cli.js';

const FLUID = join(REPO_ROOT, 'examples/policy-tests/fluid');
const POLICY = join(FLUID, 'policy-fluid.yaml');

async function validate(...files: string[]): Promise<Diagnostic[]> {
  const args = files.flatMap((f) => ['-f', join(FLUID, f)]);
  const run = await cli(['validate', ...args, '--policy', POLICY, '-o', 'json']);
  return (JSON.parse(run.stdout) as { diagnostics: Diagnostic[] }).diagnostics;
}

describe('validate: what the cluster decides is a finding, never silence', () => {
  it('a reader of a runtime that is not Ready: policy test denies it, validate says the cluster decides', async () => {
    // The suite of the Fluid walkthrough expects this very pod to be denied under the fluid policy.
    const suite = readFileSync(join(FLUID, 'graphdata-test.yaml'), 'utf8');
    expect(suite).toMatch(/resource: Pod\/sales-report-exec-1\n\s+policy: fluid\n\s+verdict: deny/);
    expect((await cli(['policy', 'test', FLUID])).code).toBe(0);

    const found = (await validate('sales.yaml', 'readers.yaml')).filter((d) => d.code === 'cluster-decided');
    expect(found).toEqual([
      expect.objectContaining({
        severity: 'info',
        file: join(FLUID, 'readers.yaml'),
        line: 8,
        path: 'metadata.annotations["graphdata.io/dataset"]',
      }),
    ]);
    expect(found[0]!.message).toBe(
      'Fluid runtime readiness is checked at admission, by the cluster. Offline, AlluxioRuntime sales in namespace analytics is not ready (it reports no masterPhase yet); if AlluxioRuntime sales in namespace analytics is not Ready when the pod is created, the webhook denies it (the not-injected safety net, Enforce)',
    );
  });

  it('says so when the runtime is not in the input at all, and not when the pod itself is wrong or the runtime Ready', async () => {
    const alone = (await validate('readers.yaml')).filter((d) => d.code === 'cluster-decided');
    expect(alone.map((d) => d.line)).toEqual([8]);
    expect(alone[0]!.message).toContain('Offline, there is no AlluxioRuntime sales in namespace analytics');
    // reports.yaml holds a runtime that reports Ready and its reader: nothing left to the cluster to say.
    expect((await validate('reports.yaml')).map((d) => d.code)).toEqual([]);
  });

  it('follows the safety net mode: Audit admits with a warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gd-cluster-decided-'));
    const audit = join(dir, 'policy.yaml');
    writeFileSync(audit, `${readFileSync(POLICY, 'utf8').trimEnd()}\n  ruleModes: {not-injected: Audit}\n`);
    const run = await cli(['validate', '-f', join(FLUID, 'readers.yaml'), '--policy', audit, '-o', 'json']);
    const found = (JSON.parse(run.stdout) as { diagnostics: Diagnostic[] }).diagnostics.find(
      (d) => d.code === 'cluster-decided',
    );
    expect(found?.message).toContain('admits it uninjected with a not-injected warning');
  });
});

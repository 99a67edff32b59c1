// The help examples agree with each other: an engine pod pulling from the registry
// `scaffold graphscope --registry` names (its example) passes a policy that
// `scaffold policy --allowed-registries` writes (its examples), registry port included.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScaffoldGraphscopeCommand } from '../../../../plugin/scaffold/graphscope/command.js';
import { ScaffoldPolicyCommand } from '../../../../plugin/scaffold/policy/command.js';
import { runCli as cli } from '../run-cli.js';

const exampleFlag = (examples: readonly (readonly string[])[], flag: string): string[] =>
  examples.flatMap(([, line]) => {
    const m = new RegExp(`${flag} (\\S+)`).exec(line ?? '');
    return m ? [m[1]!] : [];
  });

describe('help examples: --registry and --allowed-registries', () => {
  it('an engine pod from the graphscope example registry passes the policy of each scaffold policy example', async () => {
    const [registry] = exampleFlag(ScaffoldGraphscopeCommand.usage?.examples ?? [], '--registry');
    const allowed = exampleFlag(ScaffoldPolicyCommand.usage?.examples ?? [], '--allowed-registries');
    expect(registry).toBe('registry.internal:5000');
    expect(allowed).toHaveLength(2);
    const gs = await cli(['scaffold', 'graphscope', 'gs', '-n', 'graph', '--registry', registry!]);
    expect(gs.stdout).toContain(`name: ${registry}/graphscope/analytical`);
    const engine = `apiVersion: v1
kind: Pod
metadata: {name: gs-engine-0, namespace: graph}
spec:
  containers:
    - name: engine
      image: ${registry}/graphscope/analytical:0.29.0
      resources: {requests: {cpu: 1, memory: 1Gi}, limits: {cpu: 1, memory: 1Gi}}
`;
    const dir = mkdtempSync(join(tmpdir(), 'gd-help-registries-'));
    for (const list of allowed) {
      const policy = await cli([
        'scaffold',
        'policy',
        'p',
        '--cluster',
        '--mode',
        'Enforce',
        '--allowed-registries',
        list,
      ]);
      expect(policy.code).toBe(0);
      writeFileSync(join(dir, 'policy.yaml'), policy.stdout);
      const run = await cli(['validate', '-f', '-', '--policy', join(dir, 'policy.yaml'), '-o', 'json'], {
        stdin: engine,
      });
      const found = (JSON.parse(run.stdout) as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code);
      expect(found, list).not.toContain('registry-not-allowed');
    }
  });
});

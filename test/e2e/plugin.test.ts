// The real kubectl finding the plugin on PATH, and the plugin against the real apiserver.
import { describe, expect, it } from 'vitest';
import { cluster } from '../cluster/kube.js';
import { kubectl } from '../support/kubectl.js';

describe('kubectl finds kubectl-graphdata', () => {
  it('lists it in `kubectl plugin list` without warnings', () => {
    const run = kubectl(['plugin', 'list']);
    expect(run.stdout).toMatch(/\/bin\/kubectl-graphdata$/m);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/warning/i);
  });

  it('runs `kubectl graphdata version` and `--help`', () => {
    const version = kubectl(['graphdata', 'version', '--client']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/0\.1\.0/);
    const help = kubectl(['graphdata', '--help']);
    expect(help.code).toBe(0);
    // The top-level help lists each command with its one-line summary, as kubectl's does.
    expect(help.stdout).toMatch(/^ {2}inject +Show what the webhook would inject/m);
    expect(help.stdout).toContain('kubectl graphdata');
  });

  it('reports the cluster version through --kubeconfig', () => {
    const run = kubectl(['graphdata', 'version', '--kubeconfig', cluster().kubeconfig, '-o', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).server.version).toBe(cluster().version);
  });
});

import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../../plugin/commands.js';
import { runCli } from '../run-cli.js';

// Every registered command, so a new one without examples fails here.
const paths = COMMANDS.flatMap((c) => c.paths ?? []).map((p) => p.join(' '));

describe.each(paths)('kubectl graphdata %s --help', (command) => {
  it('shows usage with at least one example', async () => {
    const run = await runCli([...command.split(' '), '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`kubectl graphdata ${command}`);
    expect(run.stdout).toContain('Examples');
    expect(run.stdout).toMatch(new RegExp(`\\$ kubectl graphdata ${command} |kubectl graphdata ${command} `));
  });
});

describe('colour', () => {
  const ansi = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`);

  it('FORCE_COLOR paints error output, NO_COLOR wins over it', async () => {
    const forced = await runCli(['scaffold', 'sprak', 'x'], { env: { FORCE_COLOR: '1', NO_COLOR: undefined } });
    expect(forced.stderr).toMatch(ansi);
    const plain = await runCli(['scaffold', 'sprak', 'x'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(plain.code).toBe(2);
    expect(plain.stderr).not.toMatch(ansi);
    expect(plain.stderr).toContain('error: unknown scaffold kind "sprak"');
  });

  it('never colours manifests', async () => {
    const run = await runCli(['scaffold', 'policy', 'p'], { env: { FORCE_COLOR: '1', NO_COLOR: undefined } });
    expect(run.stdout).not.toMatch(ansi);
  });
});

describe('-n in each help says what the command does without it', () => {
  const webhookCommands = [
    'install',
    'uninstall',
    'status',
    'doctor',
    'certs generate',
    'certs inspect',
    'certs rotate',
  ];

  // -n is the namespace a command acts on, as in kubectl (enable -n, audit -n); the
  // webhook's own namespace has its own flag, and the old `install -n X` is a usage error.
  it.each(webhookCommands)('%s: --webhook-namespace, graphdata-system; no -n', async (command) => {
    const run = await runCli([...command.split(' '), '--help']);
    expect(run.stdout).toMatch(
      /--webhook-namespace NAMESPACE +Namespace of the webhook's own objects \(default: graphdata-system\)/,
    );
    expect(run.stdout).not.toMatch(/-n, --namespace/);
  });

  it.each(webhookCommands)('%s -n X: a usage error naming --webhook-namespace X', async (command) => {
    // certs generate checks its required --out first.
    const out = command === 'certs generate' ? ['--out', '/nonexistent/certs'] : [];
    const run = await runCli([...command.split(' '), '-n', 'team-a', ...out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error: kubectl graphdata ${command} takes the webhook's namespace as --webhook-namespace, not -n: -n names the namespace a command acts on, as in kubectl`,
    );
    expect(run.stderr).toContain(`kubectl graphdata ${command} --webhook-namespace team-a`);
  });

  it('install without --webhook-namespace puts its namespaced objects in graphdata-system, with it there', async () => {
    for (const [extra, want] of [
      [[], 'graphdata-system'],
      [['--webhook-namespace', 'gd-hooks'], 'gd-hooks'],
    ] as const) {
      const run = await runCli(['install', '--dry-run=client', '-o', 'json', '--image', 'r.example/gd:1', ...extra]);
      expect(run.code).toBe(0);
      const items = (JSON.parse(run.stdout) as { items: { metadata: { namespace?: string } }[] }).items;
      const namespaces = new Set(items.map((o) => o.metadata.namespace).filter(Boolean));
      expect([...namespaces]).toEqual([want]);
    }
  });

  it.each(['enable', 'disable'])('%s: -n is required', async (command) => {
    expect((await runCli([command, '--help'])).stdout).toMatch(
      /-n, --namespace NAMESPACE +Namespace to opt (in|out) \(required\)/,
    );
    const run = await runCli([command]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('name the namespace with -n NAMESPACE');
    expect(run.stderr).toContain(`hint: e.g. kubectl graphdata ${command} -n analytics`);
  });

  it('enable --pod-level: -n is required, with what to type', async () => {
    const run = await runCli(['enable', '--pod-level']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('hint: e.g. kubectl graphdata enable --pod-level -n analytics');
  });

  it.each(['inject', 'validate'])('%s: objects that name no namespace go to default', async (command) => {
    expect((await runCli([command, '--help'])).stdout).toMatch(
      /-n, --namespace NAMESPACE +Namespace of objects that name none \(default: default/,
    );
  });
});

// The `cue` command built from cuelang.org/go v0.14.1 (test/vela/build-cue.sh, cached in
// ~/.cache/graphdata/), and KubeVela's evaluation of a definition's template in plain CUE:
// the template with `context` and `parameter` unified in, one package.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './spawn-webhook.js';

let cueBin: string | undefined;

/**
 * The binary's path. The e2e global setup has built it (test/cluster/global-setup.ts), so
 * build-cue.sh only finds it; run outside that setup, it builds it (about 3 minutes on two idle cores).
 */
export function ensureCue(): string {
  cueBin ??= execFileSync(join(REPO_ROOT, 'test', 'vela', 'build-cue.sh'), { encoding: 'utf8', timeout: 900_000 })
    .trim()
    .split('\n')
    .pop()!;
  return cueBin;
}

export type CueResult = { ok: true; value: any } | { ok: false; error: string };

/**
 * `cue export -e EXPR` of the template with `context` and `parameter` as KubeVela gives
 * them. Each file gets the same package clause: KubeVela's templates have none.
 */
export function evalTemplate(template: string, context: object, parameter: object, expr: string): CueResult {
  const dir = mkdtempSync(join(tmpdir(), 'gd-cue-'));
  try {
    writeFileSync(join(dir, 'template.cue'), `package render\n${template}`);
    writeFileSync(
      join(dir, 'input.cue'),
      `package render\ncontext: ${JSON.stringify(context)}\nparameter: ${JSON.stringify(parameter)}\n`,
    );
    const run = spawnSync(ensureCue(), ['export', '-e', expr, 'template.cue', 'input.cue'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (run.status !== 0) return { ok: false, error: run.stderr };
    return { ok: true, value: JSON.parse(run.stdout) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The workload with the trait's patch unified in (KubeVela without patch strategies). */
export function unify(a: object, b: object): CueResult {
  const dir = mkdtempSync(join(tmpdir(), 'gd-cue-'));
  try {
    writeFileSync(join(dir, 'a.json'), JSON.stringify(a));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(b));
    const run = spawnSync(ensureCue(), ['export', 'a.json', 'b.json'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    if (run.status !== 0) return { ok: false, error: run.stderr };
    return { ok: true, value: JSON.parse(run.stdout) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

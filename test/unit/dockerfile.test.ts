// The Dockerfile cannot be built here (no container runtime), so its content is checked:
// what it copies exists, the build stage compiles everything the entrypoint imports, the
// runtime needs production dependencies only, and the entrypoint starts from a tree laid
// out exactly as the final stage lays it out.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_POLICY } from '../../common/cluster-names.js';
import { packageRoot } from '../../common/package-root.js';
import { engineLines, TESTED_NODE_VERSIONS } from '../support/node-versions.js';
import { WEBHOOK_NODE_FLAGS } from '../support/spawn-webhook.js';

const ROOT = packageRoot();
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

interface Stage {
  from: string;
  name?: string;
  lines: string[];
}

function stages(): Stage[] {
  const out: Stage[] = [];
  for (const line of dockerfile.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) out.push({ from: from[1]!, ...(from[2] ? { name: from[2] } : {}), lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

/** COPY sources taken from the build context (not --from another stage). */
const contextCopies = (stage: Stage) =>
  stage.lines
    .filter((l) => /^COPY\s/.test(l) && !/--from=/.test(l))
    .flatMap((l) =>
      l
        .replace(/^COPY\s+/, '')
        .split(/\s+/)
        .slice(0, -1),
    );

describe('Dockerfile', () => {
  const all = stages();
  const final = all.at(-1)!;

  it('is multi-stage on the newest Node npm run test:node tests, ends non-root with node dist/webhook/main.js and in-cluster flags', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    // The image's Node is tested (test/node/versions.json) and allowed by engines.
    const newest = Math.max(...TESTED_NODE_VERSIONS.map((v) => Number(v.split('.')[0])));
    expect(engineLines().has(newest)).toBe(true);
    for (const s of all) expect(s.from).toMatch(new RegExp(`^node:${newest}[-.]`));
    const entrypoint = final.lines.find((l) => l.startsWith('ENTRYPOINT '));
    expect(JSON.parse(entrypoint!.slice('ENTRYPOINT '.length))).toEqual([
      'node',
      ...WEBHOOK_NODE_FLAGS,
      'dist/webhook/main.js',
    ]);
    // npm start runs what the image runs (exec'd, so npm's SIGTERM reaches it: main.test.ts).
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(['exec', 'node', ...WEBHOOK_NODE_FLAGS, 'dist/webhook/main.js'].join(' '));
    const cmd = JSON.parse(final.lines.find((l) => l.startsWith('CMD '))!.slice(4)) as string[];
    expect(cmd).toEqual(expect.arrayContaining(['--host', '0.0.0.0', '--port', '8443', '--self-managed']));
    const user = final.lines.find((l) => l.startsWith('USER '))!.slice(5);
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/); // numeric, so runAsNonRoot can verify it
    expect(final.lines.some((l) => /^RUN\s/.test(l))).toBe(false); // nothing runs as root in the final stage
  });

  it('copies only files that exist in the repository', () => {
    for (const stage of all)
      for (const src of contextCopies(stage)) expect(existsSync(join(ROOT, src)), src).toBe(true);
  });

  it('the runtime dependencies are installed without devDependencies', () => {
    const deps = all.find((s) =>
      final.lines.some((l) => l.includes(`--from=${s.name} `) && l.includes('node_modules')),
    );
    expect(deps?.lines.find((l) => l.startsWith('RUN npm ci'))).toMatch(/--omit=dev/);
  });

  it('the build stage copies every source folder the compiler needs for the entrypoint', () => {
    const build = all.find((s) => final.lines.some((l) => l.includes(`--from=${s.name} `) && l.includes('dist')))!;
    const copied = new Set(contextCopies(build));
    // Walk the compiled entrypoint's relative imports: each must come from a copied folder.
    const seen = new Set<string>();
    const bare = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(?:from\s*|import\s*\(\s*)(['"])([^'"]+)\1/g)) {
        const spec = m[2]!;
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
        // Only what looks like a package name (the pattern also meets `from ', '` in strings).
        else if (!spec.startsWith('node:') && /^(@[\w.-]+\/)?[\w.-]+(\/[\w./-]*)?$/.test(spec))
          bare.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    };
    visit(join(ROOT, 'dist', 'webhook', 'main.js'));
    for (const file of seen) {
      const top = relative(join(ROOT, 'dist'), file).split('/')[0]!;
      expect(copied.has(top), `${relative(ROOT, file)} comes from ${top}/, which the build stage does not copy`).toBe(
        true,
      );
    }
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const name of bare)
      expect(Object.keys(pkg.dependencies), `${name} must be a production dependency`).toContain(name);
  });

  it('the entrypoint starts from a tree laid out like the final stage, writing only to its cert dir', async () => {
    const app = mkdtempSync(join(tmpdir(), 'gd-image-'));
    for (const src of contextCopies(final)) {
      mkdirSync(dirname(join(app, src)), { recursive: true });
      cpSync(join(ROOT, src), join(app, src), { recursive: true });
    }
    cpSync(join(ROOT, 'dist'), join(app, 'dist'), {
      recursive: true,
      filter: (p) => !p.includes(`${join(ROOT, 'dist', 'test')}`),
    });
    symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
    const certDir = join(mkdtempSync(join(tmpdir(), 'gd-image-certs-')), 'certs');
    const child = spawn(process.execPath, ['dist/webhook/main.js', '--port', '0', '--dev-cert-dir', certDir], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const serving = await new Promise<boolean>((done) => {
      const timer = setTimeout(() => done(false), 50_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('graphdata webhook serving')) {
          clearTimeout(timer);
          done(true);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', () => done(false));
    });
    child.kill('SIGTERM');
    expect(serving, output).toBe(true);
    expect(output).toContain(`"policy":"${BUILT_IN_POLICY}"`);
    const code = await new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', r)));
    expect(code).toBe(0);
  }, 60_000);
});

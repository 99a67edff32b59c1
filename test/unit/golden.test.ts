// Golden files for the engine (as Istio's testdata/inject/*.injected): every pod shape
// of the test fixtures, and what `kubectl graphdata inject` makes of it, as YAML files a
// reviewer reads in the diff of a change. After a deliberate change, regenerate with
//   UPDATE_GOLDEN=1 npx vitest run test/unit/golden.test.ts
// and review the diff of test/golden/. golden-webhook.test.ts runs the same inputs
// through the webhook's /mutate and its patch, and holds the result to these files.
//
// test/golden/pods/NAME.yaml               a POD_SHAPES entry of test/fixtures/pods.ts
// test/golden/pods/NAME.injected.yaml      `inject -f` of it: stdout, then stderr as comments
// test/golden/manifests/NAME.injected.yaml `inject -f test/fixtures/manifests/NAME.yaml`
// test/golden/image-volume/NAME.injected.yaml  the same inputs, with the client jar as an
//                                          image volume (--policy IMAGE_VOLUME_POLICY)
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../common/package-root.js';
import { podSites } from '../../policies/pod-sites.js';
import { POD_SHAPES } from '../fixtures/pods.js';
import { cli } from '../support/run-cli.js';

const ROOT = packageRoot();
const GOLDEN = join(ROOT, 'test', 'golden');
const MANIFESTS = join(ROOT, 'test', 'fixtures', 'manifests');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const REGENERATE = 'UPDATE_GOLDEN=1 npx vitest run test/unit/golden.test.ts';

const rel = (file: string): string => relative(ROOT, file).split('\\').join('/');
const slug = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** The golden file's content, or (UPDATE_GOLDEN=1) the file written with `actual`. */
function expectGolden(file: string, actual: string): void {
  if (UPDATE) {
    mkdirSync(dirname(file), { recursive: true });
    if (!existsSync(file) || readFileSync(file, 'utf8') !== actual) writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`${rel(file)} does not exist; create it with ${REGENERATE}`);
  expect(actual, `${rel(file)} differs; if the change is intended: ${REGENERATE}`).toBe(readFileSync(file, 'utf8'));
}

/** `inject -f FILE` as a golden file: the command, the manifests it prints, its warnings as comments. */
async function injected(file: string, policy?: string): Promise<string> {
  const run = await cli(['inject', '-f', file, ...(policy ? ['--policy', policy] : [])]);
  const stderr = run.stderr.split(`${ROOT}/`).join('').trimEnd();
  expect(run.code, `inject -f ${rel(file)} failed:\n${stderr}`).toBe(0);
  const comments = stderr ? `# stderr:\n${stderr.replace(/^/gm, '#   ')}\n` : '';
  const command = `inject -f ${rel(file)}${policy ? ` --policy ${rel(policy)}` : ''}`;
  return `# kubectl graphdata ${command}\n${run.stdout}${comments}`;
}

/** Fixture manifests that hold at least one pod or pod template. */
const podManifests = readdirSync(MANIFESTS)
  .filter((f) => f.endsWith('.yaml'))
  .filter((f) =>
    parseAllDocuments(readFileSync(join(MANIFESTS, f), 'utf8')).some((doc) => podSites(doc.toJS()).length > 0),
  )
  .sort();

const expected = new Set<string>();

describe('golden files: the pod shapes of test/fixtures/pods.ts', () => {
  it('have distinct file names', () => {
    expect(new Set(POD_SHAPES.map((s) => slug(s.name))).size).toBe(POD_SHAPES.length);
  });

  for (const shape of POD_SHAPES) {
    const input = join(GOLDEN, 'pods', `${slug(shape.name)}.yaml`);
    const output = join(GOLDEN, 'pods', `${slug(shape.name)}.injected.yaml`);
    expected.add(input).add(output);
    it(shape.name, async () => {
      expectGolden(input, `# POD_SHAPES "${shape.name}" (test/fixtures/pods.ts)\n${stringify(shape.pod())}`);
      expectGolden(output, await injected(input));
    });
  }
});

describe('golden files: the manifests of test/fixtures/manifests', () => {
  it('include every manifest with a pod or pod template', () => {
    expect(podManifests).toEqual(expect.arrayContaining(['cn-statefulset.yaml', 'executor-pod.yaml']));
  });

  for (const name of podManifests) {
    const output = join(GOLDEN, 'manifests', name.replace(/\.yaml$/, '.injected.yaml'));
    expected.add(output);
    it(name, async () => {
      expectGolden(output, await injected(join(MANIFESTS, name)));
    });
  }
});

/** `alluxio.clientJar.delivery: imageVolume`: golden-webhook.test.ts reads the policy from each file's first line. */
const IMAGE_VOLUME_POLICY = join(ROOT, 'test', 'fixtures', 'policies', 'image-volume.yaml');
const IMAGE_VOLUME_INPUTS = [
  join(GOLDEN, 'pods', 'spark-executor.yaml'),
  join(GOLDEN, 'pods', 'starrocks-cn-operator-v1.yaml'),
  join(GOLDEN, 'pods', 'graphscope-engine.yaml'),
  join(GOLDEN, 'pods', 'executor-with-native-sidecars.yaml'),
  join(MANIFESTS, 'cn-statefulset.yaml'),
];

describe('golden files: the client jar as an image volume', () => {
  for (const input of IMAGE_VOLUME_INPUTS) {
    const output = join(
      GOLDEN,
      'image-volume',
      input
        .split('/')
        .pop()!
        .replace(/\.yaml$/, '.injected.yaml'),
    );
    expected.add(output);
    it(rel(input), async () => {
      expectGolden(output, await injected(input, IMAGE_VOLUME_POLICY));
    });
  }
});

describe('golden files', () => {
  it('has no file that no fixture produces', () => {
    const files = (dir: string): string[] =>
      existsSync(dir)
        ? readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
            e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
          )
        : [];
    const stale = files(GOLDEN).filter((f) => !expected.has(f));
    if (UPDATE) for (const f of stale) rmSync(f);
    else expect(stale.map(rel), `left over from removed fixtures; delete them or run ${REGENERATE}`).toEqual([]);
  });
});

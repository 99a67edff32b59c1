// The README's "KubeVela: a Spark job from an Application", run as written on the e2e
// control plane (real kube-apiserver and etcd, KubeVela's CRDs from test/upstream-crds),
// as the cluster admin, in a folder where `examples/` is the checkout's. Every line must
// exit as its comment says (0 unless `exits N`) and print what `prints …` says.
// Stand-ins, as the README says: graphdata's webhook runs from this checkout with real
// registrations (guardedCluster, as `install` would register it); KubeVela's install is
// its CRDs and `vela-system`; and, between the user's `kubectl apply` and the last line,
// KubeVela's rendering is `cue` v0.14.1's evaluation of the applied definitions, and the
// Spark operator's driver pod is created here with the labels the render gave it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../policies/k8s.js';
import { cluster, waitFor } from '../cluster/kube.js';
import { sparkDriverPod } from '../fixtures/pods.js';
import { adminKubectl, type GuardedCluster, guardedCluster, podIn, tenantNamespaces } from '../security/e2e/tenant.js';
import { ensureCue, evalTemplate, unify } from '../support/cue.js';
import { promised, type ReadmeLine, readmeSectionBlocks } from '../support/readme-section.js';
import { shell } from '../support/shell.js';
import { REPO_ROOT } from '../support/spawn-webhook.js';

const HOOK = 'e2e-vela-walkthrough';
const PROBE = 'e2e-vela-walkthrough-probe';
const APPS = 'vela-apps';

const dir = mkdtempSync(join(tmpdir(), 'gd-vela-walkthrough-'));
const kubeconfig = join(dir, 'kubeconfig');
let guarded: GuardedCluster;
let defined: string[] = [];

async function run({ command, comment }: ReadmeLine): Promise<void> {
  const done = await shell(command, {
    cwd: dir,
    env: {
      ...process.env,
      KUBECONFIG: kubeconfig,
      PATH: `${join(REPO_ROOT, 'bin')}:${process.env.PATH}`,
      NO_COLOR: '1',
    },
    timeoutMs: 120_000,
  });
  const want = promised(comment);
  expect({ command, code: done.status, stderr: done.stderr }).toMatchObject({ command, code: want.code });
  if (want.prints) expect(done.stdout, command).toContain(want.prints);
}

const value = (r: ReturnType<typeof evalTemplate>) => {
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

beforeAll(async () => {
  ensureCue();
  // The admin's context as the current one: the README's lines name none.
  writeFileSync(kubeconfig, readFileSync(cluster().kubeconfig));
  const use = spawnSync('kubectl', ['config', 'use-context', cluster().adminContext, '--kubeconfig', kubeconfig]);
  expect(use.status).toBe(0);
  symlinkSync(join(REPO_ROOT, 'examples'), join(dir, 'examples'));
  // KubeVela's install: its CRDs (in the e2e cluster already) and vela-system.
  adminKubectl(['create', 'namespace', 'vela-system']);
  // graphdata installed: this checkout's webhook, registered. Its file policy only serves
  // until the README applies its ClusterGraphDataPolicy (the injected annotation names it).
  await tenantNamespaces([PROBE]);
  guarded = await guardedCluster({
    name: HOOK,
    clusterPolicy: {
      apiVersion: 'graphdata.io/v1alpha1',
      kind: 'ClusterGraphDataPolicy',
      metadata: { name: HOOK },
      spec: { mode: 'Enforce', limits: { allowedRegistries: ['docker.io'] } },
    },
    deniedProbe: podIn(
      { ...sparkDriverPod(), spec: { containers: [{ name: 'x', image: 'quay.io/probe/x:1' }] } },
      PROBE,
    ),
  });
}, 900_000);

afterAll(async () => {
  await guarded?.stop();
  // No namespace controller runs here: the namespace stays, emptied, as other e2e files leave theirs.
  adminKubectl(['delete', 'applications,pods', '--all', '-n', APPS, '--wait=false']);
  adminKubectl(['delete', 'clustergraphdatapolicy', 'platform', '--ignore-not-found']);
  for (const name of defined) adminKubectl(['delete', '-n', 'vela-system', name, '--ignore-not-found']);
});

describe('README: KubeVela, a Spark job from an Application', () => {
  it('runs as written; the driver pod comes back injected by pod-level opt-in', { timeout: 600_000 }, async () => {
    const [platform, user, check] = readmeSectionBlocks('## KubeVela: a Spark job from an Application');
    expect(platform?.[0]?.command).toBe('kubectl graphdata scaffold vela-definitions > defs.yaml');
    expect(user?.some((l) => /exits 1, prints .*vela-unknown-property/.test(l.comment))).toBe(true);
    expect(check).toHaveLength(1);

    for (const line of platform!) await run(line);
    const definitions = loadAll(readFileSync(join(dir, 'defs.yaml'), 'utf8')) as {
      kind: string;
      metadata: { name: string };
      spec: { schematic: { cue: { template: string } } };
    }[];
    defined = definitions.map((d) => `${d.kind.toLowerCase()}/${d.metadata.name}`);
    for (const line of user!) await run(line);

    // KubeVela's part: the stored Application's component, rendered with the applied definitions.
    const stored = adminKubectl(['get', 'application', 'wordcount', '-n', APPS, '-o', 'json']);
    expect(stored.code, stored.stderr).toBe(0);
    const component = JSON.parse(stored.stdout).spec.components[0];
    const template = (name: string) => definitions.find((d) => d.metadata.name === name)!.spec.schematic.cue.template;
    const ctx = { name: component.name, namespace: APPS };
    const output = value(evalTemplate(template(component.type), ctx, component.properties, 'output'));
    const trait = component.traits[0];
    const patch = value(evalTemplate(template(trait.type), { ...ctx, output }, trait.properties ?? {}, 'patch'));
    const app = value(unify(output, patch));
    expect(app.spec.driver.labels).toEqual({ 'graphdata.io/inject': 'enabled' });

    // The Spark operator's part: the driver pod, with the driver's labels and annotations.
    const fixture = sparkDriverPod();
    const driver: Pod = {
      ...fixture,
      metadata: {
        name: `${ctx.name}-driver`,
        namespace: APPS,
        labels: { ...app.spec.driver.labels, 'spark-role': 'driver', 'spark-app-name': ctx.name },
        annotations: app.spec.driver.annotations,
      },
      spec: {
        ...fixture.spec!,
        containers: [
          {
            ...fixture.spec!.containers[0]!,
            image: app.spec.image,
            args: ['driver', '--class', app.spec.mainClass, app.spec.mainApplicationFile, ...app.spec.arguments],
          },
        ],
      },
    };
    // The pod-level registration entry reaches the apiserver's informer in its own time.
    await waitFor(async () => {
      const created = adminKubectl(['create', '-f', '-', '-o', 'json'], driver);
      expect(created.code, created.stderr).toBe(0);
      if (JSON.parse(created.stdout).metadata.annotations?.['graphdata.io/injected']) return true;
      adminKubectl(['delete', 'pod', driver.metadata!.name!, '-n', APPS]);
      return false;
    }, 'the driver pod injected');

    for (const line of check!) await run(line);
    const pod = JSON.parse(adminKubectl(['get', 'pod', driver.metadata!.name!, '-n', APPS, '-o', 'json']).stdout);
    expect(pod.metadata.annotations['graphdata.io/injected']).toContain('ClusterGraphDataPolicy/platform');
    // By the pod's own label: the namespace is not opted in.
    const ns = adminKubectl(['get', 'namespace', APPS, '-o', 'json']);
    expect(JSON.parse(ns.stdout).metadata.labels?.['graphdata.io/inject']).toBeUndefined();
  });
});

// The webhook's patch is recorded as the mutators change the pod (PodEdits) instead of
// diffing a copy. Equivalence with the old path, for every fixture pod, every pod in the
// fixture manifests and 600 generated pods, under policies that reach every mutator branch:
// the recorded patch applies with validation (as the apiserver applies it) and gives
// exactly the pod that copying, mutating and diffing gives; the in-place run (what the
// webhook does) records the same operations; and a second pass records nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../common/package-root.js';
import { type InjectOptions, inject } from '../../../policies/engine.js';
import type { Pod } from '../../../policies/k8s.js';
import type { Policy } from '../../../policies/model.js';
import { PodEdits } from '../../../policies/patch.js';
import { applyPodPatch, podPatch } from '../../support/pod-patch.js';
import { podSites } from '../../../policies/pod-sites.js';
import { POD_SHAPES } from '../../fixtures/pods.js';
import { policyWith } from '../../fixtures/policy.js';
import { randomPod, rng } from '../../fixtures/random-pods.js';

const MANIFESTS = join(packageRoot(), 'test', 'fixtures', 'manifests');

const policies: [string, Policy][] = [
  ['default policy', policyWith({})],
  [
    'required placement, mirrors, pull secrets and policy',
    policyWith({
      placement: { mode: 'required' },
      images: {
        mirrors: [{ from: 'docker.io', to: 'mirror.local' }],
        pullSecrets: ['s', 't'],
        pullPolicy: 'Never',
        defaultTags: {},
      },
    }),
  ],
  ['preferred placement', policyWith({ placement: { mode: 'preferred' } })],
  [
    'socket from a claim',
    policyWith({ alluxio: { domainSocket: { persistentVolumeClaim: 'alluxio-worker-domain-socket' } } }),
  ],
];

const options: [string, InjectOptions][] = [
  ['no namespace labels', { namespace: 'tenant-a' }],
  [
    'restricted namespace',
    { namespace: 'tenant-a', namespaceLabels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
  ],
];

function manifestPods(): [string, Pod][] {
  const out: [string, Pod][] = [];
  for (const file of readdirSync(MANIFESTS).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(MANIFESTS, file), 'utf8'))) {
      for (const site of podSites(doc.toJS())) out.push([`${file}: ${site.label}`, site.pod]);
    }
  }
  return out;
}

function withDataset(pod: Pod): Pod {
  const copy = structuredClone(pod);
  (copy.metadata ??= {}).annotations = { ...copy.metadata.annotations, 'graphdata.io/dataset': 'events' };
  return copy;
}

function checkEquivalent(label: string, original: Pod, policy: Policy, opts: InjectOptions): void {
  const snapshot = structuredClone(original);
  const result = inject(original, policy, opts);
  expect(original, `${label}: the input is left alone`).toEqual(snapshot);
  // The old path: copy, mutate, diff.
  const diffed = applyPodPatch(original, podPatch(original, result.pod));
  const recorded = applyPodPatch(original, result.patch);
  expect(recorded, label).toEqual(diffed);
  expect(recorded, label).toEqual(result.pod);
  expect(result.patch.length > 0, label).toBe(result.changed);

  const mine = structuredClone(original);
  const inPlace = inject(mine, policy, { ...opts, inPlace: true });
  expect(inPlace.patch, `${label}: in place`).toEqual(result.patch);
  if (inPlace.changed) expect(mine, `${label}: in place`).toEqual(result.pod);

  expect(inject(recorded, policy, opts).patch, `${label}: second pass`).toEqual([]);
}

describe('patch recorded from the mutators', () => {
  const pods: [string, Pod][] = [
    ...POD_SHAPES.map((s): [string, Pod] => [s.name, s.pod()]),
    ...POD_SHAPES.map((s): [string, Pod] => [`${s.name} with a dataset`, withDataset(s.pod())]),
    ...manifestPods(),
  ];

  it('fixture and manifest pods: the same patched pod as copy-and-diff, in place too, idempotent', () => {
    expect(pods.length).toBeGreaterThan(20);
    for (const [name, pod] of pods)
      for (const [policyName, policy] of policies)
        for (const [optName, opts] of options)
          checkEquivalent(`${name} / ${policyName} / ${optName}`, pod, policy, opts);
  });

  it('600 generated pods: the same patched pod as copy-and-diff', () => {
    const random = rng(20261130);
    for (let i = 0; i < 600; i++) {
      const pod = randomPod(random);
      const [, policy] = policies[i % policies.length]!;
      const [, opts] = options[i % options.length]!;
      checkEquivalent(`pod #${i}: ${JSON.stringify(pod)}`, i % 5 === 0 ? withDataset(pod) : pod, policy, opts);
    }
  });

  it('an insertion is one add; a list or object created on the way is added with what goes into it later', () => {
    const pod: Pod = { metadata: {}, spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }] }] } };
    const edits = new PodEdits();
    const c = pod.spec!.containers[0]!;
    edits.insert(c.env!, 0, { name: 'Y', value: '2' }, '/spec/containers/0/env');
    edits.append(c, 'volumeMounts', { name: 'v', mountPath: '/m' }, '/spec/containers/0');
    edits.append(c, 'volumeMounts', { name: 'w', mountPath: '/n' }, '/spec/containers/0');
    edits.set(edits.object(pod.metadata!, 'annotations', '/metadata'), 'a/b~c', 'x', '/metadata/annotations');
    edits.set(c.env![1]!, 'value', '1', '/spec/containers/0/env/1');
    expect(JSON.parse(JSON.stringify(edits.ops))).toEqual([
      { op: 'add', path: '/spec/containers/0/env/0', value: { name: 'Y', value: '2' } },
      {
        op: 'add',
        path: '/spec/containers/0/volumeMounts',
        value: [
          { name: 'v', mountPath: '/m' },
          { name: 'w', mountPath: '/n' },
        ],
      },
      { op: 'add', path: '/metadata/annotations', value: { 'a/b~c': 'x' } },
    ]);
    // A change inside an added value is carried by the operation that added it.
    c.volumeMounts![0]!.readOnly = true;
    expect(JSON.parse(JSON.stringify(edits.ops[1]))).toEqual({
      op: 'add',
      path: '/spec/containers/0/volumeMounts',
      value: [
        { name: 'v', mountPath: '/m', readOnly: true },
        { name: 'w', mountPath: '/n' },
      ],
    });
    // Keys that need escaping are escaped in pointers.
    edits.set(pod.metadata!, 'name', 'a/b~c', '/metadata');
    expect(edits.ops[3]).toEqual({ op: 'add', path: '/metadata/name', value: 'a/b~c' });
    const odd: Record<string, string> = {};
    edits.set(pod as unknown as Record<string, unknown>, 'x/y~z', odd as unknown as string, '');
    expect(edits.ops[4]!.path).toBe('/x~1y~0z');
  });
});

import { describe, expect, it } from 'vitest';
import { inject } from '../../../policies/engine.js';
import type { Pod } from '../../../policies/k8s.js';
import { ANNOTATION_INJECTED } from '../../../policies/model.js';
import { applyPodPatch, podPatch } from '../../support/pod-patch.js';
import { POD_SHAPES } from '../../fixtures/pods.js';
import { defaultPolicy, policyWith } from '../../fixtures/policy.js';

/** What the apiserver does to containers after a mutating webhook: fill defaults. */
function applyServerDefaults(pod: Pod): Pod {
  const out = structuredClone(pod);
  for (const c of [...(out.spec?.containers ?? []), ...(out.spec?.initContainers ?? [])]) {
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.imagePullPolicy ??= c.image?.endsWith(':latest') || !c.image?.includes(':') ? 'Always' : 'IfNotPresent';
    c.resources ??= {};
  }
  for (const v of out.spec?.volumes ?? []) if (v.emptyDir) v.emptyDir = { ...v.emptyDir };
  out.spec!.restartPolicy ??= 'Always';
  out.spec!.dnsPolicy ??= 'ClusterFirst';
  return out;
}

const withoutAnnotation = (pod: Pod): Pod => {
  const copy = structuredClone(pod);
  delete copy.metadata!.annotations![ANNOTATION_INJECTED];
  return copy;
};

const policies = {
  'default policy': defaultPolicy(),
  'required affinity, mirrors, pull secrets': policyWith({
    placement: { mode: 'required' },
    images: {
      mirrors: [{ from: 'docker.io', to: 'registry.local:5000' }],
      pullSecrets: ['regcred'],
      pullPolicy: 'IfNotPresent',
      defaultTags: { 'alluxio/alluxio': '2.9.4' },
    },
  }),
  'HA masters, preferred placement': policyWith({
    alluxio: { master: { addresses: ['m0:19998', 'm1:19998', 'm2:19998'] } },
    placement: { mode: 'preferred' },
  }),
};

describe.each(Object.entries(policies))('idempotency with %s', (_, policy) => {
  it.each(POD_SHAPES)('$name: a second pass is a no-op', ({ pod }) => {
    const first = inject(pod(), policy, { namespace: 'tenant-a' });
    const second = inject(first.pod, policy, { namespace: 'tenant-a' });
    expect(second.changed).toBe(false);
    expect(podPatch(first.pod, second.pod)).toEqual([]);
  });

  it.each(POD_SHAPES)('$name: every mutator is idempotent on its own, even after apiserver defaulting', ({ pod }) => {
    const first = inject(pod(), policy, { namespace: 'tenant-a' });
    if (!first.changed) return;
    // Strip the annotation so the mutators themselves must recognise their own work.
    const again = inject(withoutAnnotation(applyServerDefaults(first.pod)), policy, { namespace: 'tenant-a' });
    expect(again.actions.filter((a) => a.outcome === 'applied')).toEqual([]);
    expect(again.diagnostics).toEqual(first.diagnostics);
    // Only the record itself differs (it lists no mutators this time).
    expect(podPatch(withoutAnnotation(applyServerDefaults(first.pod)), withoutAnnotation(again.pod))).toEqual([]);
  });

  it.each(POD_SHAPES)('$name: the JSON patch applies to the original and yields the engine pod', ({ pod }) => {
    const original = pod();
    const result = inject(original, policy, { namespace: 'tenant-a' });
    const patch = podPatch(original, result.pod);
    expect(applyPodPatch(original, patch)).toEqual(result.pod);
    // The engine never changes its input.
    expect(original).toEqual(pod());
  });

  it.each(POD_SHAPES)('$name: no duplicate names or mount paths the apiserver would reject', ({ pod }) => {
    const { pod: out } = inject(pod(), policy, { namespace: 'tenant-a' });
    const unique = (xs: (string | undefined)[]) => expect(new Set(xs).size).toBe(xs.length);
    unique((out.spec!.volumes ?? []).map((v) => v.name));
    unique([...out.spec!.containers, ...(out.spec!.initContainers ?? [])].map((c) => c.name));
    for (const c of out.spec!.containers) {
      unique((c.env ?? []).map((e) => e.name));
      unique((c.volumeMounts ?? []).map((m) => m.mountPath));
      for (const m of c.volumeMounts ?? []) expect(out.spec!.volumes?.map((v) => v.name)).toContain(m.name);
    }
  });
});

describe('patch paths', () => {
  it('escapes "/" in label and annotation keys as ~1', () => {
    const shape = POD_SHAPES.find((s) => s.name.includes('containing /'))!;
    const original = shape.pod();
    const patch = podPatch(original, inject(original, defaultPolicy(), { namespace: 'tenant-a' }).pod);
    const paths = patch.map((op) => op.path);
    expect(paths).toContain('/metadata/annotations/graphdata.io~1injected');
    expect(paths.every((p) => !p.includes('kubernetes.io/'))).toBe(true);
  });

  it('puts the node-IP variable before an existing JAVA_TOOL_OPTIONS so $(VAR) expands', () => {
    const shape = POD_SHAPES.find((s) => s.name.includes('existing JAVA_TOOL_OPTIONS'))!;
    const { pod } = inject(shape.pod(), defaultPolicy());
    const names = pod.spec!.containers[0]!.env!.map((e) => e.name);
    expect(names.indexOf('ALLUXIO_CLIENT_HOSTNAME')).toBeLessThan(names.indexOf('JAVA_TOOL_OPTIONS'));
    const value = pod.spec!.containers[0]!.env!.find((e) => e.name === 'JAVA_TOOL_OPTIONS')!.value!;
    expect(value.startsWith('-XX:+UseG1GC -Dalluxio.user.file.readtype.default=CACHE -Dalluxio.master.hostname=')).toBe(
      true,
    );
  });
});

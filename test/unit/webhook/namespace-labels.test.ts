// The webhook hands the engine the labels of the request's namespace; without an index
// (no cluster) it injects from the policy alone.
import { describe, expect, it } from 'vitest';
import { staticNamespaceIndex } from '../../../common/namespace-index.js';
import { mutate } from '../../../webhook/admission.js';
import { sparkExecutorPod } from '../../fixtures/pods.js';
import { defaultPolicy } from '../../fixtures/policy.js';

const request = (namespace: string) => ({
  uid: 'u1',
  kind: { group: '', version: 'v1', kind: 'Pod' },
  operation: 'CREATE',
  namespace,
  object: sparkExecutorPod(),
});
const patchOps = (patch?: string): { op: string; path: string; value?: unknown }[] =>
  JSON.parse(Buffer.from(patch ?? 'W10=', 'base64').toString('utf8'));
const addsHostPath = (patch?: string) => JSON.stringify(patchOps(patch)).includes('"hostPath"');

describe('namespace labels in admission', () => {
  const namespaces = staticNamespaceIndex({
    locked: { 'pod-security.kubernetes.io/enforce': 'restricted' },
    open: {},
  });

  it('a namespace enforcing restricted gets no hostPath, and a warning', () => {
    const { response } = mutate(request('locked'), defaultPolicy(), { namespaces });
    expect(addsHostPath(response.patch)).toBe(false);
    expect(response.warnings?.join('\n')).toContain('persistentVolumeClaim');
  });

  it('an open namespace, an unknown one, and no index at all: the hostPath as the policy says', () => {
    expect(addsHostPath(mutate(request('open'), defaultPolicy(), { namespaces }).response.patch)).toBe(true);
    expect(addsHostPath(mutate(request('not-listed'), defaultPolicy(), { namespaces }).response.patch)).toBe(true);
    expect(addsHostPath(mutate(request('locked'), defaultPolicy()).response.patch)).toBe(true);
  });

  it('the index reads own properties only', () => {
    expect(namespaces.labels('constructor')).toBeUndefined();
    expect(namespaces.labels('open')).toEqual({});
  });
});

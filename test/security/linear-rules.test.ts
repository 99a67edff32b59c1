// Escape tried: a pod (or SparkApplication) shaped so that the validating webhook's rules do
// work that grows with the square of its size — thousands of mounts naming missing volumes,
// thousands of placeholder images beside thousands of labels, one env value of repeated
// `alluxio-X.Y.Z` — to hold the webhook's CPU, or its worker's heap, with one request that
// the apiserver stores. Each review below took the old rules 30 s or more (the mounts one
// ran the admission worker's 256 MB heap out at 8,000); each must be answered, with the
// findings it always had.
import { describe, expect, it } from 'vitest';
import type { AdmissionRequest } from '../../webhook/review.js';
import { validate } from '../../webhook/validation.js';
import { defaultPolicy } from '../fixtures/policy.js';
import { sparkApp } from '../unit/rules/helpers.js';

const policy = { ...defaultPolicy(), spec: { ...defaultPolicy().spec, mode: 'Enforce' as const } };
const review = (kind: AdmissionRequest['kind'], object: Record<string, unknown>): AdmissionRequest => ({
  uid: 'u',
  operation: 'CREATE',
  namespace: 'team',
  kind,
  object,
});
const POD = { group: '', version: 'v1', kind: 'Pod' };

describe('rules whose work once grew with the square of the object', () => {
  it('16,000 mounts naming missing volumes among 16,000 volumes: each hint names 10 of them', () => {
    const n = 16_000;
    const object = sparkApp({
      metadata: { name: 'a', namespace: 'team' },
      spec: {
        volumes: Array.from({ length: n }, (_, i) => ({ name: `v${i}`, emptyDir: {} })),
        executor: { volumeMounts: Array.from({ length: n }, (_, i) => ({ name: `m${i}`, mountPath: `/m${i}` })) },
      },
    });
    const { response } = validate(
      review({ group: 'sparkoperator.k8s.io', version: 'v1beta2', kind: 'SparkApplication' }, object),
      policy,
    );
    expect(response.allowed).toBe(false);
    const message = response.status?.message ?? '';
    expect(message).toContain(
      'error volume-missing: SparkApplication executor mounts volume "m0" at /m0, but no volume of that name is defined',
    );
    expect(message).toContain('or use one of: v0, v1, v2, v3, v4, v5, v6, v7, v8, v9 (and 15990 more)');
    expect(message).not.toContain('v10,');
  });

  it('16,000 placeholder images beside 16,000 labels', () => {
    const n = 16_000;
    const labels: Record<string, string> = { 'spark-role': 'executor' };
    for (let i = 0; i < n; i++) labels[`l${i}`] = `v${i}`;
    const object = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'team', labels },
      spec: { containers: Array.from({ length: n }, (_, i) => ({ name: `c${i}`, image: 'xxx:xxx' })) },
    };
    const { response } = validate(review(POD, object), policy);
    expect(response.allowed).toBe(false);
    const message = response.status?.message ?? '';
    expect(message).toContain('error placeholder: placeholder image "xxx:xxx" (spec.containers[0].image)');
    expect(message).toContain('as [registry/]repository:tag (e.g. apache/spark:3.5.1)');
  });

  it('one env value of 100,000 `alluxio-1.1.1` before a client jar of another version', () => {
    const value = `${'alluxio-1.1.1'.repeat(100_000)} /opt/alluxio-2.8.0-client.jar`;
    const object = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'team', labels: { app: 'x' } },
      spec: { containers: [{ name: 'c', image: 'busybox:1.36', env: [{ name: 'X', value }] }] },
    };
    const { response } = validate(review(POD, object), policy);
    expect(response.allowed).toBe(false);
    const message = response.status?.message ?? '';
    expect(message).toContain('Alluxio client alluxio-2.8.0-client.jar is version 2.8.0, the workers run 2.9.4');
    expect(message).not.toContain('1.1.1');
  });
});

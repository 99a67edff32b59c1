// Escape: `..` walked out of allowed prefixes. Paths are normalised before every
// comparison (policies/paths.ts) and policy paths may not contain `..` at all.
import { describe, expect, it } from 'vitest';
import { checkLayering, namespacePolicyFromObject } from '../../policies/layering.js';
import { normalizePath, POLICY_PATH_PATTERN, underPrefix } from '../../policies/paths.js';
import { policyFromObject } from '../../policies/policy-loader.js';
import { policyWith } from '../fixtures/policy.js';

const CLUSTER = {
  ...policyWith({ mode: 'Enforce', limits: { alluxioPathPrefixes: ['/shared'], allowedHostPaths: ['/data'] } }),
  name: 'platform',
};
const nsObject = (spec: object) => ({
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'GraphDataPolicy',
  metadata: { name: 'mine', namespace: 'team-b' },
  spec,
});

describe('paths compare normalised', () => {
  it('normalizePath resolves . and .., never above the root, and drops trailing and double slashes', () => {
    expect(normalizePath('/shared/../tenant-a/secret.csv')).toBe('/tenant-a/secret.csv');
    expect(normalizePath('/../../etc')).toBe('/etc');
    expect(normalizePath('/opt/domain/')).toBe('/opt/domain');
    expect(normalizePath('//opt/./domain//')).toBe('/opt/domain');
    expect(normalizePath('/')).toBe('/');
    expect(normalizePath('a/../../b')).toBe('../b');
  });

  it('underPrefix holds only for what is really inside', () => {
    expect(underPrefix('/shared/x', '/shared/')).toBe(true);
    expect(underPrefix('/shared', '/shared')).toBe(true);
    expect(underPrefix('/shared/../tenant-a', '/shared')).toBe(false);
    expect(underPrefix('/sharedx', '/shared')).toBe(false);
    expect(underPrefix('/anything', '/')).toBe(true);
    expect(underPrefix('/shared/x', '/shared/../tenant-a')).toBe(false);
  });
});

describe('policy paths may not contain ..', () => {
  it('the pattern accepts absolute paths and rejects every .. segment', () => {
    const re = new RegExp(POLICY_PATH_PATTERN);
    for (const ok of ['/', '/data', '/data/', '/data/.hidden', '/data/..x', '/data/x..', '/a/./b', '/a//b', '/...'])
      expect(re.test(ok), ok).toBe(true);
    for (const bad of ['', 'data', '/..', '/../x', '/shared/../tenant-a', '/a/..', '/a/../', 'x/..'])
      expect(re.test(bad), bad).toBe(false);
  });

  it('a GraphDataPolicy prefix with .. is a schema error naming the field, and would loosen anyway', () => {
    const loaded = namespacePolicyFromObject(nsObject({ limits: { alluxioPathPrefixes: ['/shared/../tenant-a'] } }));
    expect(loaded.policy).toBeUndefined();
    expect(loaded.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        path: 'spec.limits.alluxioPathPrefixes[0]',
        hint: 'write an absolute path (starting with /) with no .. segments',
      }),
    ]);
    // Layering compares normalised paths too: the same prefix, had it loaded, loosens.
    const unchecked = {
      kind: 'GraphDataPolicy' as const,
      name: 'mine',
      namespace: 'team-b',
      generation: 1,
      spec: { limits: { alluxioPathPrefixes: ['/shared/../tenant-a'], allowedHostPaths: ['/data/../etc'] } },
      profiles: {},
    };
    expect(checkLayering(CLUSTER, unchecked).map((d) => d.path)).toEqual([
      'spec.limits.allowedHostPaths[0]',
      'spec.limits.alluxioPathPrefixes[0]',
    ]);
  });

  it('every policy path field rejects .., in cluster policies and profiles alike', () => {
    const fields: [object, string][] = [
      [{ limits: { allowedHostPaths: ['/data/../etc'] } }, 'spec.limits.allowedHostPaths[0]'],
      [{ alluxio: { domainSocket: { hostPath: '/tmp/../etc' } } }, 'spec.alluxio.domainSocket.hostPath'],
      [{ alluxio: { domainSocket: { mountPath: '/opt/domain/..' } } }, 'spec.alluxio.domainSocket.mountPath'],
      [
        { profiles: { p: { alluxio: { domainSocket: { hostPath: '/data/../root' } } } } },
        'spec.profiles.p.alluxio.domainSocket.hostPath',
      ],
    ];
    for (const [spec, path] of fields) {
      const loaded = policyFromObject({
        apiVersion: 'graphdata.io/v1alpha1',
        kind: 'ClusterGraphDataPolicy',
        metadata: { name: 'c' },
        spec,
      });
      expect(loaded.policy, path).toBeUndefined();
      expect(
        loaded.diagnostics.map((d) => d.path),
        path,
      ).toEqual([path]);
    }
  });
});

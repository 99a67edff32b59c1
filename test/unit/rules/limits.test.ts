import { describe, expect, it } from 'vitest';
import { alluxioPathRule, hostPathRule, registryRule } from '../../../policies/rules/limits-sources.js';
import {
  cnReplicasRule,
  executorCoresRule,
  executorMemoryRule,
  resourcesRequiredRule,
} from '../../../policies/rules/limits-sizes.js';
import { pod, run, sparkApp, starRocksCluster } from './helpers.js';

const limits = (l: Record<string, unknown>, mode = 'Audit') => ({ mode, limits: l });

describe('registry-not-allowed', () => {
  it('fires on images outside the allowed registries, as an error under Enforce', () => {
    const [d] = run(
      sparkApp({ spec: { image: 'ghcr.io/acme/spark:3.5.1' } }),
      limits({ allowedRegistries: ['registry.corp'] }, 'Enforce'),
      registryRule,
    );
    expect(d).toMatchObject({ severity: 'error', code: 'registry-not-allowed', path: 'spec.image' });
    expect(d!.hint).toContain('registry.corp');
  });

  it('accepts allowed registries and repositories under them', () => {
    const spec = limits({ allowedRegistries: ['docker.io', 'ghcr.io/acme'] });
    expect(
      run(
        [sparkApp(), sparkApp({ spec: { image: 'ghcr.io/acme/spark:3.5.1' } }), starRocksCluster()],
        spec,
        registryRule,
      ),
    ).toEqual([]);
    expect(run(sparkApp({ spec: { image: 'ghcr.io/acmeevil/spark:1' } }), spec, registryRule)).toHaveLength(1);
  });

  it('judges the image as written: a mirror does not admit what it maps, and the hint names the mirror', () => {
    // Mirrors are rewritten only in pods graphdata injects; a plain or opted-out pod pulls what it names.
    const spec = {
      ...limits({ allowedRegistries: ['registry.corp'] }, 'Enforce'),
      images: { mirrors: [{ from: 'ghcr.io', to: 'registry.corp' }] },
    };
    const [d, ...rest] = run(
      pod({ spec: { containers: [{ name: 'c', image: 'ghcr.io/x/miner:1' }] } }),
      spec,
      registryRule,
    );
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ severity: 'error', code: 'registry-not-allowed', path: 'spec.containers[0].image' });
    expect(d!.message).toBe('image ghcr.io/x/miner:1 comes from ghcr.io, which the policy does not allow');
    expect(d!.hint).toContain('write the mirrored image registry.corp/x/miner:1 here');
    // The image a mutated pod holds (the mirror target) is admitted.
    expect(
      run(pod({ spec: { containers: [{ name: 'c', image: 'registry.corp/x/miner:1' }] } }), spec, registryRule),
    ).toEqual([]);
  });

  it("folds Docker Hub's aliases the same way as the mirror rules do", () => {
    const hub = [sparkApp(), sparkApp({ spec: { image: 'index.docker.io/apache/spark:3.5.1' } })];
    for (const entry of ['docker.io', 'index.docker.io', 'registry-1.docker.io/', 'docker.io/apache']) {
      expect(run(hub, limits({ allowedRegistries: [entry] }), registryRule)).toEqual([]);
    }
    const mirrored = {
      ...limits({ allowedRegistries: ['registry.corp'] }),
      images: { mirrors: [{ from: 'registry-1.docker.io', to: 'registry.corp' }] },
    };
    expect(run(hub, mirrored, registryRule).map((d) => d.hint)).toEqual([
      'write the mirrored image registry.corp/apache/spark:3.5.1 here: the policy mirror applies only to pods graphdata injects, at their creation',
      'write the mirrored image registry.corp/apache/spark:3.5.1 here: the policy mirror applies only to pods graphdata injects, at their creation',
    ]);
  });

  it('takes a port as part of the registry, as runtimes and Kyverno do, and says so when only the port differs', () => {
    const onPort = sparkApp({ spec: { image: 'registry.internal:5000/spark:3.5.1' } });
    const [d] = run(onPort, limits({ allowedRegistries: ['registry.internal'] }, 'Enforce'), registryRule);
    expect(d).toMatchObject({ severity: 'error', code: 'registry-not-allowed' });
    expect(d!.hint).toBe(
      'the policy allows registry.internal, which is the default port only, and this image comes from registry.internal:5000: a port is part of a registry; add registry.internal:5000 to limits.allowedRegistries',
    );
    expect(run(onPort, limits({ allowedRegistries: ['registry.internal:5000'] }), registryRule)).toEqual([]);
    const noPort = sparkApp({ spec: { image: 'registry.internal/spark:3.5.1' } });
    expect(run(noPort, limits({ allowedRegistries: ['registry.internal:5000'] }), registryRule)[0]!.hint).toContain(
      'the policy allows registry.internal:5000, that port only',
    );
    // Another host keeps the plain hint.
    expect(run(onPort, limits({ allowedRegistries: ['registry.corp'] }), registryRule)[0]!.hint).toBe(
      'pull it from one of registry.corp',
    );
  });

  it('is off when the policy sets no list', () => {
    expect(run(sparkApp({ spec: { image: 'ghcr.io/acme/spark:3.5.1' } }), {}, registryRule)).toEqual([]);
  });
});

describe('hostpath-not-allowed', () => {
  const withHostPath = (path: string) => pod({ spec: { volumes: [{ name: 'h', hostPath: { path } }] } });
  it('fires outside the allow-list, but always allows the socket directory', () => {
    const spec = limits({ allowedHostPaths: ['/data'] });
    expect(run(withHostPath('/database'), spec, hostPathRule).map((d) => d.path)).toEqual([
      'spec.volumes[0].hostPath.path',
    ]);
    expect(run([withHostPath('/data/spark'), withHostPath('/tmp/alluxio-domain')], spec, hostPathRule)).toEqual([]);
  });

  it('compares normalised paths: .. does not walk out of an allowed directory', () => {
    const spec = limits({ allowedHostPaths: ['/data/team-b'] });
    for (const path of ['/data/team-b/../team-a', '/tmp/alluxio-domain/../../etc', '/data/team-b/./../../root']) {
      expect(
        run(withHostPath(path), spec, hostPathRule).map((d) => d.path),
        path,
      ).toEqual(['spec.volumes[0].hostPath.path']);
    }
    expect(run([withHostPath('/data/./team-b//x/'), withHostPath('/data/team-b/x/../y')], spec, hostPathRule)).toEqual(
      [],
    );
  });
});

describe('alluxio-path-not-allowed', () => {
  it('fires on alluxio:// paths outside the tenant prefixes', () => {
    const app = sparkApp({
      spec: { arguments: ['alluxio://alluxio-master-0.alluxio:19998/tenant-b/x', 'alluxio:///tenant-a/y'] },
    });
    expect(run(app, limits({ alluxioPathPrefixes: ['/tenant-a'] }), alluxioPathRule).map((d) => d.path)).toEqual([
      'spec.arguments[0]',
    ]);
  });

  it('normalises the path (and its percent-encoding) before comparing', () => {
    const escapes = [
      'alluxio://master:19998/shared/../tenant-a/secret.csv',
      'alluxio://master:19998/shared/./../tenant-a/secret.csv',
      'alluxio://master:19998/shared/%2e%2e/tenant-a/secret.csv',
      'alluxio:///shared/x/../../tenant-a',
    ];
    const app = sparkApp({ spec: { arguments: [...escapes, 'alluxio://master:19998/shared/a/../b.csv'] } });
    expect(run(app, limits({ alluxioPathPrefixes: ['/shared'] }), alluxioPathRule).map((d) => d.path)).toEqual(
      escapes.map((_, i) => `spec.arguments[${i}]`),
    );
  });
});

describe('resources-required', () => {
  it('fires on containers and StarRocks components without requests and a memory limit', () => {
    const p = pod();
    p.spec.containers[0].resources = { requests: { cpu: '1' } };
    const [d] = run(p, limits({ requireResources: true }), resourcesRequiredRule);
    expect(d).toMatchObject({ code: 'resources-required', path: 'spec.containers[0].resources' });
    expect(d!.message).toContain('requests.memory, limits.memory');
    const sr = starRocksCluster();
    delete sr.spec.starRocksCnSpec.limits;
    expect(run(sr, limits({ requireResources: true }), resourcesRequiredRule).map((d) => d.path)).toEqual([
      'spec.starRocksFeSpec',
      'spec.starRocksCnSpec',
    ]);
  });

  it('stays quiet when resources are set or not required', () => {
    expect(run(pod(), limits({ requireResources: true }), resourcesRequiredRule)).toEqual([]);
    expect(run(pod({ spec: { containers: [{ name: 'c', image: 'x/y:1' }] } }), {}, resourcesRequiredRule)).toEqual([]);
  });
});

describe('executor caps', () => {
  it('fires on SparkApplication executor cores and memory above the caps', () => {
    const app = sparkApp({
      spec: { executor: { cores: 8, memory: '16g' }, sparkConf: { 'spark.executor.memory': '32g' } },
    });
    const spec = limits({ maxExecutorCores: 4, maxExecutorMemory: '8g' });
    expect(run(app, spec, executorCoresRule).map((d) => d.path)).toEqual(['spec.executor.cores']);
    expect(run(app, spec, executorMemoryRule).map((d) => d.path)).toEqual([
      'spec.executor.memory',
      'spec.sparkConf["spark.executor.memory"]',
    ]);
  });

  it('reads executor pods from their SPARK_EXECUTOR_* env, else their resources', () => {
    const p = pod();
    p.spec.containers[0].env = [
      { name: 'SPARK_EXECUTOR_MEMORY', value: '12g' },
      { name: 'SPARK_EXECUTOR_CORES', value: '6' },
    ];
    const spec = limits({ maxExecutorCores: 4, maxExecutorMemory: '8Gi' });
    expect(run(p, spec, executorMemoryRule).map((d) => d.path)).toEqual(['spec.containers[0].env[0].value']);
    expect(run(p, spec, executorCoresRule).map((d) => d.path)).toEqual(['spec.containers[0].env[1].value']);
    expect(run(pod(), spec, executorCoresRule)).toEqual([]);
  });

  it('stays quiet within the caps and ignores drivers', () => {
    const spec = limits({ maxExecutorCores: 2, maxExecutorMemory: '4g' });
    expect(run(sparkApp({ spec: { driver: { cores: 8, memory: '16g' } } }), spec, executorCoresRule)).toEqual([]);
    expect(run(sparkApp(), spec, executorMemoryRule)).toEqual([]);
  });
});

describe('cn-replicas-over-limit', () => {
  it('fires on replicas and autoscaling maxima above the cap', () => {
    const sr = starRocksCluster({ replicas: 12, autoScalingPolicy: { version: 'v2', maxReplicas: 20 } });
    expect(run(sr, limits({ maxCnReplicas: 10 }), cnReplicasRule).map((d) => d.path)).toEqual([
      'spec.starRocksCnSpec.replicas',
      'spec.starRocksCnSpec.autoScalingPolicy.maxReplicas',
    ]);
    expect(run(starRocksCluster(), limits({ maxCnReplicas: 10 }), cnReplicasRule)).toEqual([]);
  });
});

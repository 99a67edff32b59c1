import { describe, expect, it } from 'vitest';
import { volumeMountRule } from '../../../policies/rules/volumes.js';
import { pod, run, sparkApp } from './helpers.js';

describe('volume-missing', () => {
  it('fires on pod mounts without a volume, naming the ones that exist', () => {
    const p = pod({ spec: { volumes: [{ name: 'spark-local-dir-1', emptyDir: {} }] } });
    p.spec.containers[0].volumeMounts = [{ name: 'spark-local-dir', mountPath: '/var/data' }];
    const [d] = run(p, {}, volumeMountRule);
    expect(d).toMatchObject({
      severity: 'error',
      code: 'volume-missing',
      path: 'spec.containers[0].volumeMounts[0].name',
    });
    expect(d!.hint).toContain('spark-local-dir-1');
  });

  it('fires on SparkApplication driver/executor mounts missing from spec.volumes, and on templates', () => {
    const app = sparkApp({
      spec: { executor: { volumeMounts: [{ name: 'alluxio-domain', mountPath: '/opt/domain' }] } },
    });
    expect(run(app, {}, volumeMountRule).map((d) => d.path)).toEqual(['spec.executor.volumeMounts[0].name']);
    const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: pod() } };
    deploy.spec.template.spec.initContainers = [
      { name: 'init', image: 'busybox', volumeMounts: [{ name: 'jars', mountPath: '/jars' }] },
    ];
    expect(run(deploy, {}, volumeMountRule).map((d) => d.path)).toEqual([
      'spec.template.spec.initContainers[0].volumeMounts[0].name',
    ]);
  });

  it('stays quiet when every mount has its volume', () => {
    const app = sparkApp({
      spec: {
        volumes: [{ name: 'scratch', emptyDir: {} }],
        driver: { volumeMounts: [{ name: 'scratch', mountPath: '/tmp/s' }] },
      },
    });
    expect(run([app, pod()], {}, volumeMountRule)).toEqual([]);
  });
});

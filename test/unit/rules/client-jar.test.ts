import { describe, expect, it } from 'vitest';
import { clientJarRule } from '../../../policies/rules/client-jar.js';
import { alluxioRuntime, pod, run, sparkApp } from './helpers.js';

describe('client-jar-version', () => {
  it('fires when the jar version differs from the policy version', () => {
    const [d] = run(
      sparkApp({ spec: { deps: { jars: ['local:///opt/jars/alluxio-2.8.1-client.jar'] } } }),
      {},
      clientJarRule,
    );
    expect(d).toMatchObject({ severity: 'warning', code: 'client-jar-version', path: 'spec.deps.jars[0]' });
    expect(d!.message).toContain('2.9.4');
    expect(d!.hint).toContain('alluxio-2.9.4-client.jar');
  });

  it('compares with the AlluxioRuntime image tag when one is in the input', () => {
    const app = sparkApp({ spec: { sparkConf: { 'spark.jars.packages': 'org.alluxio:alluxio-shaded-client:2.9.4' } } });
    expect(
      run(
        [alluxioRuntime({ alluxioVersion: { image: 'alluxio/alluxio', imageTag: 'release-2.8.3' } }), app],
        {},
        clientJarRule,
      ),
    ).toHaveLength(1);
    expect(run([alluxioRuntime(), app], {}, clientJarRule)).toEqual([]);
  });

  it('stays quiet on the matching jar', () => {
    const p = pod();
    p.spec.containers[0].env = [{ name: 'SPARK_EXTRA_CLASSPATH', value: '/opt/graphdata/alluxio-2.9.4-client.jar' }];
    expect(run(p, {}, clientJarRule)).toEqual([]);
  });
});

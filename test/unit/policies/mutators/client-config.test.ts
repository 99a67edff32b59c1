import { describe, expect, it } from 'vitest';
import { clientConfig } from '../../../../policies/mutators/client-config.js';
import { sparkExecutorPod } from '../../../fixtures/pods.js';
import { policyWith } from '../../../fixtures/policy.js';
import { contextFor } from './context.js';

const javaOpts = (pod: ReturnType<typeof sparkExecutorPod>) =>
  pod.spec!.containers[0]!.env!.find((e) => e.name === 'JAVA_TOOL_OPTIONS')?.value;

describe('client-config mutator', () => {
  it('uses rpc.addresses for HA masters instead of hostname/port', () => {
    const spec = policyWith({ alluxio: { master: { addresses: ['m0:19998', 'm1:19998'] } } }).spec;
    const pod = sparkExecutorPod();
    const { pod: out } = clientConfig.apply(pod, contextFor(pod, 'spark-executor', spec));
    expect(javaOpts(out)).toContain('-Dalluxio.master.rpc.addresses=m0:19998,m1:19998');
    expect(javaOpts(out)).not.toContain('alluxio.master.hostname');
  });

  it('keeps a value the pod sets for a property and reports the conflict', () => {
    const pod = sparkExecutorPod();
    pod.spec!.containers[0]!.env!.push({ name: 'JAVA_TOOL_OPTIONS', value: '-Dalluxio.master.rpc.port=20000' });
    const { pod: out, actions } = clientConfig.apply(pod, contextFor(pod, 'spark-executor'));
    expect(javaOpts(out)).toMatch(/^-Dalluxio.master.rpc.port=20000 -Dalluxio.master.hostname=/);
    expect(javaOpts(out)).not.toContain('rpc.port=19998');
    expect(actions).toContainEqual(
      expect.objectContaining({
        outcome: 'conflict',
        subject: '-Dalluxio.master.rpc.port in spark-kubernetes-executor',
      }),
    );
  });

  it('adds extra policy properties and the socket address only where a socket is mounted', () => {
    const spec = policyWith({ alluxio: { properties: { 'alluxio.user.file.readtype.default': 'CACHE' } } }).spec;
    const executor = sparkExecutorPod();
    const out = clientConfig.apply(executor, contextFor(executor, 'spark-executor', spec)).pod;
    expect(javaOpts(out)).toContain('-Dalluxio.user.file.readtype.default=CACHE');
    expect(javaOpts(out)).toContain('-Dalluxio.worker.data.server.domain.socket.address=/opt/domain');
    const driver = sparkExecutorPod();
    driver.metadata!.labels!['spark-role'] = 'driver';
    driver.spec!.containers[0]!.name = 'spark-kubernetes-driver';
    expect(javaOpts(clientConfig.apply(driver, contextFor(driver, 'spark-driver', spec)).pod)).not.toContain(
      'domain.socket',
    );
  });

  it('refuses to touch JAVA_TOOL_OPTIONS set from valueFrom', () => {
    const pod = sparkExecutorPod();
    pod.spec!.containers[0]!.env!.push({
      name: 'JAVA_TOOL_OPTIONS',
      valueFrom: { secretKeyRef: { name: 's', key: 'k' } },
    });
    const { actions } = clientConfig.apply(pod, contextFor(pod, 'spark-executor'));
    expect(actions).toContainEqual(
      expect.objectContaining({ outcome: 'conflict', subject: 'env JAVA_TOOL_OPTIONS in spark-kubernetes-executor' }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { socketPathRule } from '../../../policies/rules/domain-socket.js';
import { alluxioRuntime, pod, run, sparkApp } from './helpers.js';

const option = (path: string) => `-Dalluxio.worker.data.server.domain.socket.address=${path}`;

function socketPod(hostPath: string, mountPath: string, javaOpts = option('/opt/domain')): any {
  const p = pod();
  p.spec.volumes = [{ name: 'alluxio-domain', hostPath: { path: hostPath, type: 'Directory' } }];
  p.spec.containers[0].volumeMounts = [{ name: 'alluxio-domain', mountPath, readOnly: true }];
  p.spec.containers[0].env = [{ name: 'JAVA_TOOL_OPTIONS', value: `-Xss4m ${javaOpts}` }];
  return p;
}

describe('socket-path-mismatch', () => {
  it('fires when the client -D option names another path than the policy', () => {
    const [d] = run(
      sparkApp({ spec: { sparkConf: { 'spark.executor.extraJavaOptions': option('/tmp/domain') } } }),
      {},
      socketPathRule,
    );
    expect(d).toMatchObject({
      severity: 'warning',
      code: 'socket-path-mismatch',
      path: 'spec.sparkConf["spark.executor.extraJavaOptions"]',
    });
    expect(d!.hint).toContain('=/opt/domain');
  });

  it('fires on a mount of the worker directory at the wrong path, and on a mount from the wrong host directory', () => {
    expect(
      run(socketPod('/tmp/alluxio-domain', '/opt/alluxio-domain', ''), {}, socketPathRule).map((d) => d.path),
    ).toEqual(['spec.containers[0].volumeMounts[0].mountPath']);
    expect(run(socketPod('/var/run/alluxio', '/opt/domain'), {}, socketPathRule).map((d) => d.path)).toEqual([
      'spec.volumes[0].hostPath.path',
    ]);
  });

  it('is an error under an Enforce policy', () => {
    expect(run(socketPod('/var/run/alluxio', '/opt/domain'), { mode: 'Enforce' }, socketPathRule)[0]?.severity).toBe(
      'error',
    );
  });

  it('follows an AlluxioRuntime in the same input', () => {
    const runtime = alluxioRuntime({
      properties: { 'alluxio.worker.data.server.domain.socket.address': '/opt/fluid-domain' },
    });
    expect(
      run(
        [runtime, socketPod('/tmp/alluxio-domain', '/opt/fluid-domain', option('/opt/fluid-domain'))],
        {},
        socketPathRule,
      ),
    ).toEqual([]);
    expect(run([runtime, socketPod('/tmp/alluxio-domain', '/opt/domain')], {}, socketPathRule).length).toBeGreaterThan(
      0,
    );
  });

  it('stays quiet when client, mount and worker agree', () => {
    expect(run(socketPod('/tmp/alluxio-domain', '/opt/domain'), {}, socketPathRule)).toEqual([]);
    expect(run(sparkApp(), {}, socketPathRule)).toEqual([]);
  });
});

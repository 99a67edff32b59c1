import { describe, expect, it } from 'vitest';
import { inject } from '../../../policies/engine.js';
import { fluidMasterFor, runtimeInfo, runtimeLookupFrom, type FluidObject } from '../../../policies/fluid-runtime.js';
import { notInjectedDiagnostic } from '../../../policies/injection-check.js';
import type { Pod } from '../../../policies/k8s.js';
import { sparkExecutorPod } from '../../fixtures/pods.js';
import { policyWith } from '../../fixtures/policy.js';

const runtime = (spec: object, status: object = { masterPhase: 'Ready' }, name = 'sales', namespace = 'analytics') =>
  ({
    apiVersion: 'data.fluid.io/v1alpha1',
    kind: 'AlluxioRuntime',
    metadata: { name, namespace },
    spec,
    status,
  }) satisfies FluidObject;

const dataset = (endpoint: string, name = 'sales', namespace = 'analytics'): FluidObject => ({
  apiVersion: 'data.fluid.io/v1alpha1',
  kind: 'Dataset',
  metadata: { name, namespace },
  status: { hcfs: { endpoint } },
});

describe('runtimeInfo: the master of an AlluxioRuntime, as Fluid configures it', () => {
  it('host <name>-master-0.<ns>; the port from master properties, then properties, then ports.rpc', () => {
    const all = {
      properties: { 'alluxio.master.rpc.port': '20001' },
      master: { properties: { 'alluxio.master.rpc.port': '20002' }, ports: { rpc: 20003 } },
    };
    expect(runtimeInfo(runtime(all))).toMatchObject({
      ready: true,
      hostname: 'sales-master-0.analytics',
      rpcPort: 20002,
    });
    expect(runtimeInfo(runtime({ ...all, master: { ports: { rpc: 20003 } } }))).toMatchObject({ rpcPort: 20001 });
    expect(runtimeInfo(runtime({ master: { ports: { rpc: 20003 } } }))).toMatchObject({
      rpcPort: 20003,
      source: 'AlluxioRuntime sales in namespace analytics, spec.master.ports.rpc',
    });
  });

  it('19998 only when master and worker both use container networking (Fluid allocates otherwise)', () => {
    const both = { master: { networkMode: 'ContainerNetwork' }, worker: { networkMode: 'ContainerNetwork' } };
    expect(runtimeInfo(runtime(both))).toMatchObject({ ready: true, rpcPort: 19998 });
    const masterOnly = { master: { networkMode: 'ContainerNetwork' } };
    expect(runtimeInfo(runtime(masterOnly))).toMatchObject({ ready: false });
  });

  it('host networking, no fixed port: the port Fluid reports on the Dataset, if it names this master', () => {
    const info = runtimeInfo(runtime({}), dataset('alluxio://sales-master-0.analytics:20456'));
    expect(info).toMatchObject({ ready: true, rpcPort: 20456, source: 'Dataset sales status.hcfs.endpoint' });
    const none = runtimeInfo(runtime({}));
    expect(none).toMatchObject({ ready: false });
    expect(none.ready ? '' : none.reason).toContain('does not fix its master port');
    expect(none.ready ? '' : none.hint).toContain('spec.master.ports.rpc');
    // An endpoint naming another host (another runtime's master) is never taken.
    expect(runtimeInfo(runtime({}), dataset('alluxio://evil-master-0.other:20456'))).toMatchObject({ ready: false });
  });

  it('not ready until status.masterPhase is Ready, saying what it is and what to do', () => {
    const pending = runtimeInfo(runtime({ master: { ports: { rpc: 20003 } } }, { masterPhase: 'NotReady' }));
    expect(pending).toEqual({
      ready: false,
      reason: 'AlluxioRuntime sales in namespace analytics is not ready (status.masterPhase is NotReady)',
      hint: 'wait until `kubectl get alluxioruntime sales -n analytics` shows the master Ready, then create the pod again',
    });
    expect(runtimeInfo(runtime({ master: { ports: { rpc: 20003 } } }, {}))).toMatchObject({ ready: false });
    expect(runtimeInfo({ metadata: { name: 'x', namespace: 'y' } })).toMatchObject({ ready: false });
  });

  it('several masters: every one in rpc.addresses', () => {
    expect(runtimeInfo(runtime({ master: { replicas: 3, ports: { rpc: 20003 } } }))).toMatchObject({
      addresses: ['sales-master-0.analytics:20003', 'sales-master-1.analytics:20003', 'sales-master-2.analytics:20003'],
    });
  });

  it('mistyped fields are ignored, never thrown on', () => {
    for (const spec of [
      { master: 'x' },
      { master: { ports: { rpc: 'abc' } } },
      { master: { ports: { rpc: 70000 } } },
      { properties: [] },
    ])
      expect(runtimeInfo(runtime(spec)).ready).toBe(false);
  });
});

describe('fluidMasterFor: tenants stay apart', () => {
  const lookup = runtimeLookupFrom([
    runtime({ master: { ports: { rpc: 20003 } } }),
    runtime({ master: { ports: { rpc: 20009 } } }, { masterPhase: 'Ready' }, 'secret', 'other-tenant'),
  ]);

  it('looks up the annotation’s name in the pod’s own namespace only', () => {
    expect(fluidMasterFor({ 'graphdata.io/dataset': 'sales' }, 'analytics', lookup)).toMatchObject({ ready: true });
    const asked: string[] = [];
    const spy = (ns: string, name: string) => {
      asked.push(`${ns}/${name}`);
      return lookup(ns, name);
    };
    for (const value of ['secret', 'other-tenant/secret', 'secret.other-tenant', '../other-tenant/secret']) {
      expect(fluidMasterFor({ 'graphdata.io/dataset': value }, 'analytics', spy).ready, value).toBe(false);
    }
    expect(asked).toEqual(['analytics/secret']);
  });

  it('no annotation, no namespace, no runtime: not ready, each with its reason', () => {
    expect(fluidMasterFor({}, 'analytics', lookup)).toMatchObject({
      ready: false,
      hint: 'annotate the pod with graphdata.io/dataset: NAME, the Dataset and AlluxioRuntime it reads',
    });
    expect(fluidMasterFor({ 'graphdata.io/dataset': 'sales' }, undefined, lookup)).toMatchObject({ ready: false });
    expect(fluidMasterFor({ 'graphdata.io/dataset': 'nope' }, 'analytics', lookup)).toMatchObject({
      ready: false,
      reason: 'there is no AlluxioRuntime nope in namespace analytics',
    });
  });
});

describe('the engine in Fluid mode', () => {
  const fluidPolicy = () => policyWith({ cache: 'fluid', mode: 'Enforce' });
  const annotated = (name = 'sales'): Pod => {
    const pod = sparkExecutorPod();
    pod.metadata = { ...pod.metadata, namespace: 'analytics', annotations: { 'graphdata.io/dataset': name } };
    return pod;
  };
  const javaOptions = (pod: Pod) =>
    pod.spec!.containers[0]!.env!.filter((e) => e.name === 'JAVA_TOOL_OPTIONS').at(-1)?.value ?? '';
  const ready = runtimeLookupFrom([runtime({ master: { ports: { rpc: 20003 } } })]);
  const pending = runtimeLookupFrom([runtime({ master: { ports: { rpc: 20003 } } }, { masterPhase: 'NotReady' })]);

  it('points the client at the runtime’s master, not the policy’s, and a second pass changes nothing', () => {
    const result = inject(annotated(), fluidPolicy(), { runtimes: ready });
    expect(javaOptions(result.pod)).toContain(
      '-Dalluxio.master.hostname=sales-master-0.analytics -Dalluxio.master.rpc.port=20003',
    );
    expect(javaOptions(result.pod)).not.toContain('19998');
    expect(result.mutators).toContain('client-config');
    const again = inject(result.pod, fluidPolicy(), { runtimes: ready });
    expect(again.status).toBe('nothing-to-do');
    expect(notInjectedDiagnostic(result.pod, fluidPolicy(), { runtimes: ready })).toBeUndefined();
  });

  it('runtime not ready: the rest is injected, no master options, a warning with why and what to do', () => {
    const result = inject(annotated(), fluidPolicy(), { runtimes: pending });
    expect(javaOptions(result.pod)).not.toContain('-Dalluxio');
    expect(result.mutators).not.toContain('client-config');
    expect(result.mutators).toContain('client-jar');
    const warning = result.diagnostics.find((d) => d.code === 'client-config-skipped');
    expect(warning?.message).toContain('AlluxioRuntime sales in namespace analytics is not ready');
    expect(warning?.hint).toContain('kubectl get alluxioruntime sales -n analytics');
  });

  it('the safety net (Enforce) says why the client config is missing; once the runtime is ready it is satisfied', () => {
    const admitted = inject(annotated(), fluidPolicy(), { runtimes: pending }).pod;
    const finding = notInjectedDiagnostic(admitted, fluidPolicy(), { runtimes: pending });
    expect(finding?.severity).toBe('error');
    expect(finding?.message).toContain('missing client-config');
    expect(finding?.message).toContain('is not ready (status.masterPhase is NotReady)');
    expect(finding?.hint).toContain('kubectl get alluxioruntime sales -n analytics');
    const audit = policyWith({ cache: 'fluid', mode: 'Enforce', ruleModes: { 'not-injected': 'Audit' } });
    expect(notInjectedDiagnostic(admitted, audit, { runtimes: pending })?.severity).toBe('warning');
    // A pod injected while the runtime was ready keeps its master: never denied for a later flip.
    const injected = inject(annotated(), fluidPolicy(), { runtimes: ready }).pod;
    expect(notInjectedDiagnostic(injected, fluidPolicy(), { runtimes: pending })).toBeUndefined();
  });

  it('another namespace’s runtime of the same name is never used', () => {
    const elsewhere = runtimeLookupFrom([runtime({ master: { ports: { rpc: 20003 } } }, undefined, 'sales', 'other')]);
    const result = inject(annotated(), fluidPolicy(), { runtimes: elsewhere });
    expect(javaOptions(result.pod)).not.toContain('-Dalluxio.master');
    expect(result.diagnostics.map((d) => d.message).join('\n')).toContain(
      'there is no AlluxioRuntime sales in namespace analytics',
    );
  });

  it('cache: alluxio ignores runtimes and the dataset annotation for the master', () => {
    const result = inject(annotated(), policyWith({}), { runtimes: ready });
    expect(javaOptions(result.pod)).toContain('-Dalluxio.master.hostname=alluxio-master-0.alluxio');
  });
});

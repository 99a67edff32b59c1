// Enforcement decisions (what POST /validate answers), from the same rules `validate` runs.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../policies/diagnostics.js';
import { inject } from '../../../policies/engine.js';
import type { Pod } from '../../../policies/k8s.js';
import { RULES } from '../../../policies/rules/index.js';
import { denialMessage, enforce, POLICY_RULE } from '../../../policies/enforcement.js';
import { checkInjected } from '../../../policies/injection-check.js';
import { NOT_INJECTED, RULE_CODES, ruleMode } from '../../../policies/rule-codes.js';
import { POD_SHAPES, sparkExecutorPod, starrocksCnPod } from '../../fixtures/pods.js';
import { policyWith } from '../../fixtures/policy.js';
import { randomPod, rng } from '../../fixtures/random-pods.js';

const injected = (pod: Pod, policy = policyWith({})): Pod => inject(pod, policy, { namespace: 'tenant-a' }).pod;
const quayExecutor = (): Pod => {
  const pod = sparkExecutorPod();
  pod.spec!.containers[0]!.image = 'quay.io/acme/spark:3.5.1';
  return pod;
};
const create = (object: unknown) => ({ object, operation: 'CREATE' as const, inject: { namespace: 'tenant-a' } });

describe('limits: Enforce denies, Audit warns', () => {
  const limits = { allowedRegistries: ['registry.internal', 'docker.io'] };

  it('Enforce: a quay.io executor is denied with the text validate prints, field path included', () => {
    const policy = policyWith({ mode: 'Enforce', limits });
    const verdict = enforce(create(injected(quayExecutor(), policy)), policy);
    expect(verdict.allowed).toBe(false);
    expect(verdict.denials.map((f) => f.rule)).toEqual(['registry-not-allowed']);
    const message = denialMessage(verdict.denials, formatDiagnostic);
    expect(message).toContain('error registry-not-allowed: image quay.io/acme/spark:3.5.1 comes from quay.io');
    expect(message).toContain('(spec.containers[0].image)');
    expect(message).toContain('hint: pull it from one of registry.internal, docker.io');
  });

  it('Audit: the same executor is admitted with a warning', () => {
    const policy = policyWith({ mode: 'Audit', limits });
    const verdict = enforce(create(injected(quayExecutor(), policy)), policy);
    expect(verdict.allowed).toBe(true);
    expect(verdict.warnings.map((f) => f.rule)).toEqual(['registry-not-allowed']);
  });

  it('a rule may have its own mode, either way round', () => {
    const audited = policyWith({ mode: 'Enforce', limits, ruleModes: { 'registry-not-allowed': 'Audit' } });
    expect(enforce(create(injected(quayExecutor(), audited)), audited).allowed).toBe(true);
    const enforced = policyWith({ mode: 'Audit', limits, ruleModes: { 'registry-not-allowed': 'Enforce' } });
    const verdict = enforce(create(injected(quayExecutor(), enforced)), enforced);
    expect(verdict.allowed).toBe(false);
    expect(verdict.denials[0]!.diagnostic.severity).toBe('error');
  });

  it('rules with fixed errors (placeholders) deny only in Enforce', () => {
    const pod = injected(starrocksCnPod());
    pod.spec!.containers[0]!.env!.push({ name: 'FE_SERVICE', value: '<ip>:<port>' });
    expect(enforce(create(pod), policyWith({ mode: 'Enforce' })).allowed).toBe(false);
    const audit = enforce(create(pod), policyWith({ mode: 'Audit' }));
    expect(audit.allowed).toBe(true);
    expect(audit.warnings.map((f) => f.rule)).toContain('placeholder');
  });

  it('the pod opt-out label skips injection, never enforcement', () => {
    const policy = policyWith({ mode: 'Enforce', limits });
    const pod = quayExecutor();
    pod.metadata!.labels!['graphdata.io/inject'] = 'false';
    const verdict = enforce(create(pod), policy);
    expect(verdict.allowed).toBe(false);
    expect(verdict.denials.map((f) => f.rule)).toEqual(['registry-not-allowed']);
  });

  it('on UPDATE, only what the change breaks is denied (what was stored already stays a warning)', () => {
    const policy = policyWith({ mode: 'Enforce', limits: { maxCnReplicas: 3 } });
    const cluster = (replicas: number, image = 'registry.internal/starrocks/cn-ubuntu:3.2.2') => ({
      apiVersion: 'starrocks.com/v1',
      kind: 'StarRocksCluster',
      metadata: { name: 'sr', namespace: 'tenant-a' },
      spec: { starRocksFeSpec: { image, replicas: 1 }, starRocksCnSpec: { image, replicas } },
    });
    expect(enforce({ object: cluster(5), operation: 'CREATE' }, policy).allowed).toBe(false);
    const finalizer = { ...cluster(5), metadata: { ...cluster(5).metadata, finalizers: ['x'] } };
    const update = enforce({ object: finalizer, oldObject: cluster(5), operation: 'UPDATE' }, policy);
    expect(update.allowed).toBe(true);
    expect(update.warnings.map((f) => f.rule)).toContain('cn-replicas-over-limit');
    expect(enforce({ object: cluster(6), oldObject: cluster(2), operation: 'UPDATE' }, policy).allowed).toBe(false);
  });
});

describe('pods at UPDATE (kubectl set image, debug, in-place resize)', () => {
  const policy = policyWith({
    mode: 'Enforce',
    limits: { allowedRegistries: ['docker.io'], maxExecutorCores: 4 },
  });
  const executor = (cpu: string): Pod => {
    const pod = sparkExecutorPod();
    pod.spec!.containers[0]!.resources = { requests: { cpu, memory: '1Gi' }, limits: { cpu, memory: '1Gi' } };
    return pod;
  };
  const update = (object: Pod, oldObject: Pod) => enforce({ object, oldObject, operation: 'UPDATE' }, policy);

  it('an image set on a container or an init container is judged as at CREATE', () => {
    expect(update(quayExecutor(), sparkExecutorPod()).denials.map((f) => f.diagnostic.path)).toEqual([
      'spec.containers[0].image',
    ]);
    const withInit = (image: string): Pod => {
      const pod = sparkExecutorPod();
      pod.spec!.initContainers = [{ name: 'setup', image }];
      return pod;
    };
    expect(update(withInit('ghcr.io/attacker/miner:1'), withInit('busybox:1.36')).allowed).toBe(false);
  });

  it('an ephemeral container brings its image under the registry rule', () => {
    const debugged = sparkExecutorPod();
    debugged.spec!.ephemeralContainers = [{ name: 'debugger', image: 'ghcr.io/attacker/miner:1' }];
    const verdict = update(debugged, sparkExecutorPod());
    expect(verdict.denials.map((f) => [f.rule, f.diagnostic.path])).toEqual([
      ['registry-not-allowed', 'spec.ephemeralContainers[0].image'],
    ]);
  });

  it('a resize over maxExecutorCores is denied; one within it is admitted', () => {
    expect(update(executor('8'), executor('2')).denials.map((f) => f.rule)).toEqual([
      'executor-cores-over-limit',
      'executor-cores-over-limit',
    ]);
    expect(update(executor('3'), executor('2')).allowed).toBe(true);
  });

  it('never runs the safety net: an uninjected pod stored while the mutating webhook was down stays updatable', () => {
    const stored = sparkExecutorPod();
    const relabelled = sparkExecutorPod();
    relabelled.metadata!.labels = { ...relabelled.metadata!.labels, tier: 'batch' };
    expect(enforce(create(stored), policy).denials.map((f) => f.rule)).toEqual([NOT_INJECTED]);
    const verdict = update(relabelled, stored);
    expect(verdict).toEqual({ allowed: true, denials: [], warnings: [] });
  });
});

describe('safety net: a workload pod that should have been injected and was not', () => {
  it('is denied by default, even under an Audit policy, saying what is missing', () => {
    const verdict = enforce(create(sparkExecutorPod()), policyWith({ mode: 'Audit' }));
    expect(verdict.allowed).toBe(false);
    expect(verdict.denials.map((f) => f.rule)).toEqual([NOT_INJECTED]);
    const text = formatDiagnostic(verdict.denials[0]!.diagnostic);
    expect(text).toMatch(/spark-executor pod was not injected/);
    for (const part of ['client-jar', 'client-config', 'domain-socket', 'placement']) expect(text).toContain(part);
  });

  it('is decided by content: a forged graphdata.io/injected annotation changes nothing', () => {
    const pod = sparkExecutorPod();
    pod.metadata!.annotations = {
      'graphdata.io/injected': JSON.stringify({
        policy: 'ClusterGraphDataPolicy/default',
        generation: 1,
        workload: 'spark-executor',
        containers: ['spark-kubernetes-executor'],
        mutators: ['client-jar', 'client-config', 'domain-socket', 'placement'],
      }),
    };
    expect(enforce(create(pod), policyWith({})).denials.map((f) => f.rule)).toEqual([NOT_INJECTED]);
  });

  it('names only the missing piece when one was removed after injection', () => {
    const pod = injected(sparkExecutorPod());
    delete pod.spec!.nodeSelector;
    const check = checkInjected(pod, policyWith({}), { namespace: 'tenant-a' });
    expect(check.missing.map((a) => a.mutator)).toEqual(['placement']);
  });

  it('Audit is selectable: ruleModes not-injected: Audit admits with a warning', () => {
    const policy = policyWith({ mode: 'Enforce', ruleModes: { [NOT_INJECTED]: 'Audit' } });
    const verdict = enforce(create(sparkExecutorPod()), policy);
    expect(verdict.allowed).toBe(true);
    expect(verdict.warnings.map((f) => f.rule)).toEqual([NOT_INJECTED]);
  });

  it('skips opted-out pods, pods of no workload, and preferences that are not requirements', () => {
    const opted = sparkExecutorPod();
    opted.metadata!.labels!['graphdata.io/inject'] = 'false';
    expect(enforce(create(opted), policyWith({ mode: 'Enforce' })).allowed).toBe(true);
    const plain: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
    };
    expect(enforce(create(plain), policyWith({ mode: 'Enforce' })).allowed).toBe(true);
    const preferred = policyWith({ placement: { mode: 'preferred' } });
    const pod = injected(sparkExecutorPod(), preferred);
    delete pod.spec!.affinity;
    expect(checkInjected(pod, preferred, { namespace: 'tenant-a' }).missing).toEqual([]);
  });

  it('admits every injected pod shape: injection never gets a pod denied by the safety net', () => {
    const policies = [
      policyWith({ mode: 'Enforce' }),
      policyWith({ mode: 'Enforce', placement: { mode: 'required' } }),
    ];
    for (const policy of policies) {
      for (const shape of POD_SHAPES) {
        const verdict = enforce(create(injected(shape.pod(), policy)), policy);
        expect(
          verdict.denials.map((f) => formatDiagnostic(f.diagnostic)),
          shape.name,
        ).toEqual([]);
      }
    }
  });

  it('500 seeded random pods: an injected pod is never "not injected"', () => {
    const random = rng(9);
    const policy = policyWith({});
    for (let i = 0; i < 500; i++) {
      const pod = randomPod(random);
      const label = `pod #${i}: ${JSON.stringify(pod)}`;
      expect(checkInjected(injected(pod, policy), policy, { namespace: 'tenant-a' }).missing, label).toEqual([]);
    }
  });
});

describe('policy objects', () => {
  it('a misspelt rule code in ruleModes is denied with a did-you-mean', () => {
    const verdict = enforce(
      create({
        apiVersion: 'graphdata.io/v1alpha1',
        kind: 'GraphDataPolicy',
        metadata: { name: 'p', namespace: 'tenant-a' },
        spec: { ruleModes: { 'registry-not-alowed': 'Audit' } },
      }),
      policyWith({}),
    );
    expect(verdict.allowed).toBe(false);
    const text = formatDiagnostic(verdict.denials[0]!.diagnostic);
    expect(text).toContain('unknown key "registry-not-alowed" (spec.ruleModes["registry-not-alowed"])');
    expect(text).toContain('did you mean "registry-not-allowed"?');
  });
});

describe('rule codes', () => {
  it('ruleModes accepts exactly the codes of the rules, plus the safety net (policy documents always deny)', () => {
    const modal = RULES.map((r) => r.code).filter((code) => code !== POLICY_RULE);
    expect([...RULE_CODES].sort()).toEqual([...modal, NOT_INJECTED].sort());
  });

  it('a rule follows the policy mode unless it has its own; the safety net defaults to Enforce', () => {
    expect(ruleMode({ mode: 'Audit' }, 'registry-not-allowed')).toBe('Audit');
    expect(ruleMode({ mode: 'Audit' }, NOT_INJECTED)).toBe('Enforce');
    expect(ruleMode({ mode: 'Enforce', ruleModes: { [NOT_INJECTED]: 'Audit' } }, NOT_INJECTED)).toBe('Audit');
    expect(ruleMode({ mode: 'Audit', ruleModes: {} }, 'constructor')).toBe('Audit');
  });
});

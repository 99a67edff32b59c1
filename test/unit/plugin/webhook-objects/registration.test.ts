// The validating registration: fail closed, opted-in namespaces only, never the system
// namespaces or our own, no pod opt-out, resources and match conditions from the rules.
import { describe, expect, it } from 'vitest';
import { RULES } from '../../../../policies/rules/index.js';
import {
  validatedResources,
  validatingWebhookConfiguration,
  validationMatchConditions,
} from '../../../../plugin/webhook-objects/registration.js';

const config = () =>
  validatingWebhookConfiguration({
    endpoint: { service: { namespace: 'graphdata-system', name: 'graphdata-webhook' } },
    caBundle: 'PEM',
    ownNamespace: 'graphdata-system',
  });

describe('validatingWebhookConfiguration', () => {
  it('fails closed, in opted-in namespaces only, never kube-system or its own namespace, with no objectSelector', () => {
    const [workloads, policies] = config().webhooks!;
    expect(workloads).toMatchObject({
      name: 'validate.graphdata.graphdata.io',
      failurePolicy: 'Fail',
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      clientConfig: { service: { path: '/validate', port: 443 } },
    });
    expect(workloads!.timeoutSeconds).toBeLessThanOrEqual(5);
    expect(workloads!.objectSelector).toBeUndefined();
    expect(workloads!.namespaceSelector!.matchExpressions).toEqual([
      { key: 'graphdata.io/inject', operator: 'In', values: ['enabled'] },
      {
        key: 'kubernetes.io/metadata.name',
        operator: 'NotIn',
        values: ['kube-system', 'kube-public', 'kube-node-lease', 'graphdata-system'],
      },
    ]);
    expect(policies).toMatchObject({ failurePolicy: 'Fail', name: 'policies.graphdata.graphdata.io' });
    expect(policies!.rules).toEqual([
      {
        apiGroups: ['graphdata.io'],
        apiVersions: ['v1alpha1'],
        operations: ['CREATE', 'UPDATE'],
        resources: ['clustergraphdatapolicies', 'graphdatapolicies'],
        scope: '*',
      },
    ]);
    expect(policies!.namespaceSelector!.matchExpressions![0]!.values).toContain('kube-system');
    // A tenant must not skip the layering check: no opt-in label, no object selector, no conditions to dodge.
    expect(policies!.namespaceSelector!.matchExpressions!.map((e) => e.key)).toEqual(['kubernetes.io/metadata.name']);
    expect(policies!.objectSelector).toBeUndefined();
    expect(policies!.matchConditions).toBeUndefined();
    // Status writes (the /status subresource) are the webhook's own and are not sent to it.
    expect(policies!.rules![0]!.resources!.some((r) => r.includes('/'))).toBe(false);
  });

  it('pods, their ephemeral containers and resizes, the custom resources and HPAs, at CREATE and UPDATE', () => {
    const rules = config().webhooks![0]!.rules!;
    // kubectl set image and kubectl debug are UPDATEs of pods and of pods/ephemeralcontainers.
    expect(rules).toContainEqual({
      apiGroups: [''],
      apiVersions: ['v1'],
      operations: ['CREATE', 'UPDATE'],
      resources: ['pods', 'pods/ephemeralcontainers', 'pods/resize'],
      scope: 'Namespaced',
    });
    const resources = rules.flatMap((r) => r.resources!.map((res) => `${r.apiGroups![0]}/${res}`)).sort();
    expect(resources).toEqual([
      '/pods',
      '/pods/ephemeralcontainers',
      '/pods/resize',
      'autoscaling/horizontalpodautoscalers',
      'data.fluid.io/alluxioruntimes',
      'data.fluid.io/datasets',
      'sparkoperator.k8s.io/scheduledsparkapplications',
      'sparkoperator.k8s.io/sparkapplications',
      'starrocks.com/computenodegroups',
      'starrocks.com/starrocksclusters',
    ]);
    for (const r of rules) expect(r.operations).toEqual(['CREATE', 'UPDATE']);
    // Neither DELETE nor the status subresource: a pod can always be removed and reported on.
    expect(resources.filter((r) => r.endsWith('/status'))).toEqual([]);
  });

  it('resources and match conditions are derived from the rules', () => {
    // Without the rules that read HPAs, HPAs are not sent to the webhook at all.
    const withoutHpaRules = RULES.filter(
      (r) => r.code === 'object-identity' || !r.appliesTo('HorizontalPodAutoscaler', 'autoscaling/v2'),
    );
    expect(validatedResources(withoutHpaRules).map((r) => r.kind)).not.toContain('HorizontalPodAutoscaler');
    expect(validationMatchConditions()[0]!.expression).toContain("'autoscaling/HorizontalPodAutoscaler'");
    expect(validationMatchConditions(withoutHpaRules)[0]!.expression).not.toContain('HorizontalPodAutoscaler');
  });

  it('a url endpoint gets /validate, whether or not it was given with /mutate', () => {
    for (const url of ['https://127.0.0.1:8443', 'https://127.0.0.1:8443/mutate']) {
      const c = validatingWebhookConfiguration({ endpoint: { url }, caBundle: 'PEM', ownNamespace: 'x' });
      expect(c.webhooks![0]!.clientConfig.url).toBe('https://127.0.0.1:8443/validate');
    }
  });
});

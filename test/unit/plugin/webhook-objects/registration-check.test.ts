// doctor's registration check: every entry of the live configurations, the pod-level ones
// included, against what install registers; what the apiserver adds is not a difference.
import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { webhookConfigurations } from '../../../../plugin/webhook-objects/manifests.js';
import { registrationFindings } from '../../../../plugin/webhook-objects/registration-check.js';

const NS = 'graphdata-system';
const live = (options: { webhookUrl?: string; staged?: boolean } = {}) => {
  const [mutating, validating] = webhookConfigurations({ namespace: NS, caBundle: 'PEM', ...options });
  return {
    mutating: structuredClone(mutating) as unknown as k8s.V1MutatingWebhookConfiguration,
    validating: structuredClone(validating) as unknown as k8s.V1ValidatingWebhookConfiguration,
  };
};
const entry = <H extends { name: string }>(hooks: H[] | undefined, prefix: string): H =>
  hooks!.find((h) => h.name.startsWith(prefix))!;

describe('registrationFindings', () => {
  it('finds nothing in what install registers, in the cluster, at a URL, or staged', () => {
    expect(registrationFindings(live(), NS)).toEqual([]);
    expect(registrationFindings(live({ webhookUrl: 'https://10.0.0.5:8443/base' }), NS)).toEqual([]);
    expect(registrationFindings(live({ staged: true }), NS)).toEqual([]);
  });

  it('ignores what the apiserver fills in (empty selectors, default fields)', () => {
    const config = live();
    for (const hook of [...config.mutating.webhooks!, ...config.validating.webhooks!]) {
      hook.objectSelector ??= {};
      hook.namespaceSelector ??= {};
      Object.assign(hook, { matchPolicy: 'Equivalent', timeoutSeconds: 5 });
    }
    expect(registrationFindings(config, NS)).toEqual([]);
  });

  it('reports a missing pod-level entry as pod-level', () => {
    const config = live();
    config.mutating.webhooks = config.mutating.webhooks!.filter((h) => !h.name.startsWith('inject-pods.'));
    expect(registrationFindings(config, NS)).toEqual([
      {
        configuration: 'MutatingWebhookConfiguration',
        entry: 'inject-pods.graphdata.graphdata.io',
        podLevel: true,
        problem: 'missing',
      },
    ]);
  });

  it('names the fields of an edited entry', () => {
    const config = live();
    entry(config.validating.webhooks, 'validate-pods.').objectSelector = {};
    entry(config.validating.webhooks, 'validate-pods.').clientConfig.url = undefined;
    entry(config.validating.webhooks, 'validate-pods.').clientConfig.service!.path = '/validate';
    entry(config.mutating.webhooks, 'inject.').namespaceSelector = { matchLabels: { team: 'a' } };
    expect(registrationFindings(config, NS)).toEqual([
      {
        configuration: 'MutatingWebhookConfiguration',
        entry: 'inject.graphdata.graphdata.io',
        podLevel: false,
        problem: 'differs from what install registers in namespaceSelector',
      },
      {
        configuration: 'ValidatingWebhookConfiguration',
        entry: 'validate-pods.graphdata.graphdata.io',
        podLevel: true,
        problem: 'differs from what install registers in path, objectSelector',
      },
    ]);
  });

  it('reports a pod-level entry that fails open while its namespace-level one fails closed', () => {
    const config = live();
    entry(config.validating.webhooks, 'validate-pods.').failurePolicy = 'Ignore';
    expect(registrationFindings(config, NS).map((f) => f.problem)).toEqual([
      'differs from what install registers in failurePolicy (Ignore, while validate.graphdata.graphdata.io has Fail)',
    ]);
  });

  it('reports entries with old match conditions (an older install, a stale GitOps copy)', () => {
    const config = live();
    entry(config.validating.webhooks, 'validate-pods.').matchConditions = entry(
      config.validating.webhooks,
      'validate.',
    ).matchConditions;
    expect(registrationFindings(config, NS).map((f) => `${f.entry}: ${f.problem}`)).toEqual([
      'validate-pods.graphdata.graphdata.io: differs from what install registers in matchConditions',
    ]);
  });
});

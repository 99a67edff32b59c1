// Which caBundle a restored webhook configuration gets: the current one only where it
// still trusts everything the previous one did (an in-cluster CA rollover adds a CA);
// the previous one after a wrong --ca-file or a change of endpoint.
import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { createCA } from '../../../../certs/pki.js';
import { restoredConfiguration } from '../../../../plugin/install/registration-rollback.js';

const b64 = (...pems: string[]) => Buffer.from(pems.join('')).toString('base64');
const [oldCa, newCa, otherCa] = ['old', 'new', 'other'].map((n) => createCA({ commonName: n }).certPem) as [
  string,
  string,
  string,
];
const config = (
  caBundle: string,
  url = 'https://h:8443/validate',
  policy = 'Fail',
): k8s.V1ValidatingWebhookConfiguration => ({
  metadata: { name: 'graphdata', resourceVersion: '1', uid: 'u', managedFields: [{ manager: 'm' }] },
  webhooks: [
    {
      name: 'pods.graphdata.io',
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: policy,
      clientConfig: { url, caBundle },
    },
  ],
});

describe('restoredConfiguration', () => {
  it('keeps the current bundle when it holds every previous CA (a rollover in progress)', () => {
    const out = restoredConfiguration(config(b64(oldCa)), config(b64(oldCa, newCa), undefined, 'Ignore'));
    expect(out.webhooks?.[0]?.clientConfig.caBundle).toBe(b64(oldCa, newCa));
    expect(out.webhooks?.[0]?.failurePolicy).toBe('Fail');
  });

  it('puts the previous bundle back after a wrong --ca-file', () => {
    const out = restoredConfiguration(config(b64(oldCa)), config(b64(otherCa), undefined, 'Ignore'));
    expect(out.webhooks?.[0]?.clientConfig.caBundle).toBe(b64(oldCa));
  });

  it('puts the previous bundle back when the endpoint changed', () => {
    const out = restoredConfiguration(config(b64(oldCa)), config(b64(oldCa, newCa), 'https://elsewhere/validate'));
    expect(out.webhooks?.[0]?.clientConfig.caBundle).toBe(b64(oldCa));
  });

  it('writes over the current object: its resourceVersion, none of the server-set fields', () => {
    const current = config(b64(oldCa));
    current.metadata!.resourceVersion = '42';
    expect(restoredConfiguration(config(b64(oldCa)), current).metadata).toEqual({
      name: 'graphdata',
      resourceVersion: '42',
    });
  });
});

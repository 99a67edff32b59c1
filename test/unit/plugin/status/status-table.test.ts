import { describe, expect, it } from 'vitest';
import { BUILT_IN_POLICY } from '../../../../common/cluster-names.js';
import type { StatusReport } from '../../../../plugin/webhook-objects/status.js';
import { splitTerminating } from '../../../../plugin/webhook-objects/status.js';
import { statusTable } from '../../../../plugin/status/command.js';

const plain = (_style: string, text: string) => text;
const base: StatusReport = {
  installed: true,
  namespace: 'graphdata-system',
  webhook: { mode: 'url', url: 'https://127.0.0.1:8443/mutate', reachable: true },
  caBundles: [
    { configuration: 'MutatingWebhookConfiguration/graphdata', trustsServingCert: true },
    { configuration: 'ValidatingWebhookConfiguration/graphdata', trustsServingCert: false },
  ],
  optedInNamespaces: ['analytics'],
  policies: [],
  healthy: false,
};

describe('status table', () => {
  it('checks each caBundle against the serving certificate that was read', () => {
    const out = statusTable(
      {
        ...base,
        certificate: { subject: 'CN=x', notAfter: '2027-01-01T00:00:00.000Z', daysLeft: 30, fingerprintSha256: 'AB' },
      },
      plain,
    );
    expect(out).toContain('caBundle:    ✓ MutatingWebhookConfiguration/graphdata trusts the serving certificate');
    expect(out).toContain(
      'caBundle:    ✗ ValidatingWebhookConfiguration/graphdata does NOT trust the serving certificate',
    );
  });

  it('with the webhook unreachable, says the caBundles were not checked instead of "does NOT trust"', () => {
    const out = statusTable(
      {
        ...base,
        webhook: { mode: 'url', url: 'https://127.0.0.1:8443/mutate', reachable: false, error: 'connect ECONNREFUSED' },
        certificate: { error: 'cannot reach 127.0.0.1:8443: connect ECONNREFUSED 127.0.0.1:8443' },
        caBundles: base.caBundles.map((b) => ({ ...b, trustsServingCert: false })),
      },
      plain,
    );
    expect(out).not.toContain('does NOT trust');
    expect(out).toContain(
      'caBundle:    ✗ MutatingWebhookConfiguration/graphdata: not checked, no serving certificate could be read',
    );
  });

  it('after uninstall kept a policy CRD, lists the policy that holds it and says to delete it first', () => {
    const out = statusTable(
      {
        ...base,
        installed: false,
        webhook: { mode: 'none', reason: 'no MutatingWebhookConfiguration graphdata' },
        caBundles: [],
        optedInNamespaces: [],
        policies: [{ name: 'platform', generation: 1 }],
        leftovers: ['CustomResourceDefinition/clustergraphdatapolicies.graphdata.io'],
      },
      plain,
    );
    expect(out).toMatch(/^policies: +platform \(generation 1, /m);
    expect(out).toContain(
      '`kubectl graphdata uninstall` removes them (a policy CRD only once its policies, listed above, are deleted)',
    );
    const noPolicies = statusTable(
      {
        ...base,
        webhook: { mode: 'none', reason: 'no MutatingWebhookConfiguration graphdata' },
        leftovers: ['CustomResourceDefinition/clustergraphdatapolicies.graphdata.io'],
      },
      plain,
    );
    expect(noPolicies).not.toContain('listed above');
  });

  it('lists a terminating namespace apart, never as opted in', () => {
    const split = splitTerminating([
      { metadata: { name: 'team-b' }, status: { phase: 'Active' } },
      { metadata: { name: 'gone', deletionTimestamp: new Date() }, status: { phase: 'Terminating' } },
      { metadata: { name: 'going', deletionTimestamp: new Date() } },
      { metadata: { name: 'team-a' } },
    ]);
    expect(split).toEqual({ optedIn: ['team-a', 'team-b'], terminating: ['going', 'gone'] });
    const out = statusTable({ ...base, optedInNamespaces: [], terminatingNamespaces: ['gone'] }, plain);
    expect(out).toContain(
      'namespaces:  none opted in — `kubectl graphdata enable -n NAMESPACE`; terminating, not counted: gone\n',
    );
    expect(statusTable({ ...base, terminatingNamespaces: ['gone'] }, plain)).toContain(
      'namespaces:  analytics; terminating, not counted: gone\n',
    );
  });

  it('names the built-in policy as explain and version do', () => {
    expect(statusTable(base, plain)).toContain(
      `policies:    none in the cluster (the webhook uses ${BUILT_IN_POLICY},`,
    );
  });
});

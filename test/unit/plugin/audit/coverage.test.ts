// `audit` skips the webhook's own namespace wherever `install -n` put it: read from the
// ValidatingWebhookConfiguration the registration builder writes, not from the default name.
import { describe, expect, it } from 'vitest';
import { SYSTEM_NAMESPACES, validatingWebhookConfiguration } from '../../../../plugin/webhook-objects/registration.js';
import { namespacesExcludedBy, neverAudited } from '../../../../plugin/audit/coverage.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('the namespaces audit never looks at', () => {
  it('are those the registration excludes: the system ones and the webhook namespace it was installed in', () => {
    const inCluster = validatingWebhookConfiguration({
      endpoint: { service: { namespace: 'platform-graphdata', name: 'graphdata-webhook' } },
      caBundle: CA,
      ownNamespace: 'platform-graphdata',
    });
    const excluded = namespacesExcludedBy(inCluster);
    expect(new Set(excluded)).toEqual(new Set([...SYSTEM_NAMESPACES, 'platform-graphdata']));
    expect(neverAudited(excluded!).has('graphdata-system')).toBe(false);
    // A webhook outside the cluster (--webhook-url) has no Service: the selector alone says it.
    const outside = validatingWebhookConfiguration({
      endpoint: { url: 'https://10.0.0.5:8443' },
      caBundle: CA,
      ownNamespace: 'dev-hook',
    });
    expect(namespacesExcludedBy(outside)).toContain('dev-hook');
  });

  it('cannot be read from a configuration without graphdata object webhook', () => {
    expect(namespacesExcludedBy({ webhooks: [{ name: 'other.example.com' }] })).toBeUndefined();
    expect(namespacesExcludedBy(undefined)).toBeUndefined();
    expect(neverAudited(['graphdata-system'])).toEqual(new Set([...SYSTEM_NAMESPACES, 'graphdata-system']));
  });
});

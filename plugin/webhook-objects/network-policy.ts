// The optional NetworkPolicy of `install --allow-from CIDR,...`: the webhook's port admits
// only the control plane's addresses (the apiserver calls the webhooks, and reaches
// /version through its service proxy) and the webhook's own pods (a replica renewing the
// certificates checks what its peers serve). Everything else, tenants' pods included, is
// dropped by the network plugin before it reaches the webhook's connection slots. Like
// Kyverno's chart, the addresses are the operator's to give: nothing here can find them.
import { isIP } from 'node:net';

/** The NetworkPolicy as manifests.ts lists its objects (a ManifestObject). */
interface NetworkPolicyManifest {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
  [key: string]: unknown;
}

/** `10.0.0.0/24,fd00::/64` as a list of CIDRs, each checked; throws saying which one is wrong and why. */
export function parseAllowFrom(text: string): string[] {
  const cidrs = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (cidrs.length === 0) throw new Error('--allow-from needs at least one CIDR, like 10.0.0.0/24 or 192.168.1.10/32');
  for (const cidr of cidrs) {
    const [address = '', prefix, extra] = cidr.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    if (
      family === 0 ||
      prefix === undefined ||
      extra !== undefined ||
      !/^\d{1,3}$/.test(prefix) ||
      Number(prefix) > bits
    )
      throw new Error(
        `--allow-from: ${JSON.stringify(cidr)} is not a CIDR; give an address and a prefix length, like 10.0.0.0/24 or 192.168.1.10/32`,
      );
  }
  return cidrs;
}

export function webhookNetworkPolicy(
  meta: NetworkPolicyManifest['metadata'],
  selector: Record<string, string>,
  port: number,
  cidrs: readonly string[],
): NetworkPolicyManifest {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta,
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [...cidrs.map((cidr) => ({ ipBlock: { cidr } })), { podSelector: { matchLabels: selector } }],
          ports: [{ protocol: 'TCP', port }],
        },
      ],
    },
  };
}

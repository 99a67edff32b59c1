// doctor's "image volumes" check: the same answer the webhook reaches at start
// (common/image-volumes.ts), judged against what the cluster policy asks for.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Policy } from '../../policies/model.js';
import { type Check, fail, pass } from '../output/checks.js';

const NAME = 'image volumes';

/** Where the policy (its spec, or a profile) asks for the client jar as an image volume. */
function imageVolumeUsers(policy: Policy): string[] {
  const users = policy.spec.alluxio.clientJar?.delivery === 'imageVolume' ? ['the policy'] : [];
  for (const [name, profile] of Object.entries(policy.profiles)) {
    if (profile.alluxio?.clientJar?.delivery === 'imageVolume') users.push(`profile ${name}`);
  }
  return users;
}

export async function imageVolumeCheck(kc: KubeConfig, policy: Policy, policyName: string): Promise<Check> {
  const { imageVolumeSupport } = await import('../../common/image-volumes.js');
  const support = await imageVolumeSupport(kc);
  const users = imageVolumeUsers(policy);
  if (support.supported) {
    return pass(NAME, `${support.reason}; the client jar can be mounted from the Alluxio image`);
  }
  if (users.length === 0) {
    return pass(NAME, `not served (${support.reason}); ${policyName} copies the client jar with an init container`);
  }
  return fail(
    NAME,
    `not served (${support.reason}), but ${users.join(', ')} of ${policyName} set alluxio.clientJar.delivery: imageVolume; the webhook copies the jar with an init container instead`,
    'upgrade to Kubernetes 1.36+ (or turn the ImageVolume feature gate on in 1.35), or set alluxio.clientJar.delivery: initContainer',
  );
}

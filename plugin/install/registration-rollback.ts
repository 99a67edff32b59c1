// What `install` does so that a failed install never leaves the cluster worse than it
// found it (helm --atomic, istioctl verify): it remembers both webhook configurations
// before it touches them, registers with failurePolicy Ignore until its self-test has
// passed through the apiserver, and on any failure puts the previous configurations back,
// or deletes the new ones when there were none.
import type * as k8s from '@kubernetes/client-node';
import { WEBHOOK_NAME } from '../../common/cluster-names.js';
import { apiErrorMessage } from '../kube/kubeconfig.js';
import type { Clients } from '../kube/clients.js';

type Configuration = k8s.V1MutatingWebhookConfiguration | k8s.V1ValidatingWebhookConfiguration;

export interface RegistrationSnapshot {
  mutating?: k8s.V1MutatingWebhookConfiguration;
  validating?: k8s.V1ValidatingWebhookConfiguration;
}

const notFound = (error: unknown): boolean => (error as { code?: number }).code === 404;
const orUndefined = <T>(read: Promise<T>): Promise<T | undefined> =>
  read.catch((error: unknown) => {
    if (notFound(error)) return undefined;
    throw error;
  });

/** Both configurations as they are now; a missing one is undefined. */
export async function snapshotRegistrations(c: Clients): Promise<RegistrationSnapshot> {
  const [mutating, validating] = await Promise.all([
    orUndefined(c.admission.readMutatingWebhookConfiguration({ name: WEBHOOK_NAME })),
    orUndefined(c.admission.readValidatingWebhookConfiguration({ name: WEBHOOK_NAME })),
  ]);
  return { ...(mutating ? { mutating } : {}), ...(validating ? { validating } : {}) };
}

const endpointOf = (hook: { clientConfig: k8s.AdmissionregistrationV1WebhookClientConfig }): string =>
  hook.clientConfig.url ?? `${hook.clientConfig.service?.namespace}/${hook.clientConfig.service?.name}`;

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const certsIn = (caBundle: string | undefined): string[] =>
  Buffer.from(caBundle ?? '', 'base64')
    .toString('utf8')
    .match(PEM_CERT) ?? [];

/**
 * The previous configuration, to write back over the current one. An in-cluster install
 * adds a new CA to the caBundle before it changes the serving certificate, so where a
 * webhook still points at the same endpoint and the current bundle holds every CA of the
 * previous one, the current bundle is kept: the old one alone might no longer trust what
 * the webhook serves now. Otherwise (a wrong --ca-file, another endpoint) the old one is.
 */
export function restoredConfiguration<T extends Configuration>(previous: T, current: T | undefined): T {
  const now = new Map((current?.webhooks ?? []).map((h) => [h.name, h] as const));
  const webhooks = (previous.webhooks ?? []).map((hook) => {
    const live = now.get(hook.name);
    if (!live || endpointOf(live) !== endpointOf(hook)) return hook;
    const kept = new Set(certsIn(live.clientConfig.caBundle));
    if (!certsIn(hook.clientConfig.caBundle).every((cert) => kept.has(cert))) return hook;
    return { ...hook, clientConfig: { ...hook.clientConfig, caBundle: live.clientConfig.caBundle } };
  });
  const { name, labels, annotations } = previous.metadata ?? {};
  return {
    ...previous,
    metadata: {
      name,
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
      ...(current?.metadata?.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}),
    },
    webhooks,
  } as T;
}

/**
 * Puts the snapshot back: each configuration that existed is restored, each that did not
 * is deleted. Returns one line per configuration saying what it is now; never throws (a
 * step that fails is said, with what to run).
 */
export async function restoreRegistrations(c: Clients, before: RegistrationSnapshot): Promise<string[]> {
  const lines: string[] = [];
  const kinds = [
    {
      kind: 'MutatingWebhookConfiguration',
      previous: before.mutating,
      read: () => c.admission.readMutatingWebhookConfiguration({ name: WEBHOOK_NAME }),
      replace: (body: k8s.V1MutatingWebhookConfiguration) =>
        c.admission.replaceMutatingWebhookConfiguration({ name: WEBHOOK_NAME, body }),
      remove: () => c.admission.deleteMutatingWebhookConfiguration({ name: WEBHOOK_NAME }),
    },
    {
      kind: 'ValidatingWebhookConfiguration',
      previous: before.validating,
      read: () => c.admission.readValidatingWebhookConfiguration({ name: WEBHOOK_NAME }),
      replace: (body: k8s.V1ValidatingWebhookConfiguration) =>
        c.admission.replaceValidatingWebhookConfiguration({ name: WEBHOOK_NAME, body }),
      remove: () => c.admission.deleteValidatingWebhookConfiguration({ name: WEBHOOK_NAME }),
    },
  ] as const;
  // Validating first: it is the one that can fail closed.
  for (const k of [kinds[1], kinds[0]]) {
    const what = `${k.kind}/${WEBHOOK_NAME}`;
    try {
      const current = await orUndefined<Configuration>(k.read());
      if (k.previous) {
        await (k.replace as (b: Configuration) => Promise<unknown>)(
          restoredConfiguration<Configuration>(k.previous, current),
        );
        lines.push(`${what}: restored as it was before this install`);
      } else if (current) {
        await k.remove();
        lines.push(`${what}: removed (there was none before this install)`);
      } else lines.push(`${what}: absent, as before this install`);
    } catch (error) {
      lines.push(
        `${what}: could not be put back (${apiErrorMessage(error)}); run \`kubectl graphdata uninstall\` or delete it with kubectl`,
      );
    }
  }
  return lines;
}

// Why install's self-test failed: the registration's entry, port, caBundle, selector and the
// webhook's RBAC, each checked on its own (what `doctor` checks more widely, against a
// running installation).
import type * as k8s from '@kubernetes/client-node';
import { inspectCert } from '../../certs/pki.js';
import { bundleTrusts } from '../../certs/rollover.js';
import { APP_NAME, HTTPS_PORT, TLS_SECRET, WEBHOOK_NAME } from '../../common/cluster-names.js';
import { LABEL_INJECT } from '../../policies/model.js';
import type { Clients } from '../kube/clients.js';
import { apiErrorMessage } from '../kube/kubeconfig.js';
import { handshake } from '../kube/webhook-handshake.js';
import { type Check, fail, pass, selects } from '../output/checks.js';
import { pathOf } from '../webhook-objects/registration-check.js';

/** Port, caBundle, selector and RBAC, each checked on its own. */
export async function diagnose(c: Clients, namespace: string, testNs?: string): Promise<Check[]> {
  const checks: Check[] = [];
  let config: k8s.V1MutatingWebhookConfiguration;
  try {
    config = await c.admission.readMutatingWebhookConfiguration({ name: WEBHOOK_NAME });
  } catch (error) {
    return [
      fail(
        'registration',
        `MutatingWebhookConfiguration ${WEBHOOK_NAME}: ${apiErrorMessage(error)}`,
        'run `kubectl graphdata install`',
      ),
    ];
  }
  // The namespace-level entry, found by the path it calls: the one a probe in an opted-in namespace reaches.
  const hook = config.webhooks?.find((entry) => pathOf(entry.clientConfig) === '/mutate') ?? config.webhooks?.[0];
  const bundle = Buffer.from(hook?.clientConfig.caBundle ?? '', 'base64').toString();
  // Selector: would a pod in an opted-in namespace reach the webhook?
  const nsLabels = { [LABEL_INJECT]: 'enabled', 'kubernetes.io/metadata.name': testNs ?? 'tenant' };
  checks.push(
    selects(hook?.namespaceSelector as never, nsLabels)
      ? pass('selector', `namespaces labelled ${LABEL_INJECT}=enabled are selected`)
      : fail(
          'selector',
          `the namespaceSelector of ${WEBHOOK_NAME} does not select a namespace labelled ${LABEL_INJECT}=enabled`,
          'run `kubectl graphdata install` again to restore the registration',
        ),
  );
  const url = hook?.clientConfig.url;
  if (url) {
    const u = new URL(url);
    const served = await handshake(u.hostname, Number(u.port || 443), bundle);
    checks.push(
      served.connected
        ? pass('port', `${u.host} accepts TLS connections`)
        : fail('port', `cannot connect to ${u.host}: ${served.error}`, 'start the webhook there, or fix --webhook-url'),
    );
    if (served.connected) {
      checks.push(
        served.trusted
          ? pass('caBundle', `the certificate served at ${u.host} is trusted by the caBundle`)
          : fail(
              'caBundle',
              `the certificate served at ${u.host} is not trusted by the caBundle: ${served.error}`,
              'pass --ca-file with the CA that signed the webhook certificate',
            ),
      );
    }
    return checks;
  }
  // In the cluster: the Service must lead to ready pods on the right port.
  try {
    const svc = await c.core.readNamespacedService({ name: APP_NAME, namespace });
    const port = svc.spec?.ports?.find((p) => p.port === (hook?.clientConfig.service?.port ?? 443));
    const endpoints = await c.core.readNamespacedEndpoints({ name: APP_NAME, namespace }).catch(() => undefined);
    const ready = (endpoints?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map(() => s.ports ?? [])).flat();
    if (!port) {
      checks.push(fail('port', `Service ${APP_NAME} has no port 443`, 'run `kubectl graphdata install` again'));
    } else if (ready.length === 0) {
      checks.push(
        fail(
          'port',
          `Service ${APP_NAME} has no ready endpoints`,
          `check the pods: kubectl get pods -n ${namespace} -l app.kubernetes.io/name=graphdata`,
        ),
      );
    } else if (!ready.some((p) => p.port === HTTPS_PORT)) {
      checks.push(
        fail(
          'port',
          `Service ${APP_NAME} does not lead to port ${HTTPS_PORT}`,
          'run `kubectl graphdata install` again',
        ),
      );
    } else checks.push(pass('port', `Service ${APP_NAME}:443 → ${ready.length} ready endpoint(s) on ${HTTPS_PORT}`));
  } catch (error) {
    checks.push(fail('port', `Service ${APP_NAME}: ${apiErrorMessage(error)}`, 'run `kubectl graphdata install`'));
  }
  try {
    const secret = await c.core.readNamespacedSecret({ name: TLS_SECRET, namespace });
    const cert = Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString();
    const info = inspectCert(cert);
    const host = `${APP_NAME}.${namespace}.svc`;
    if (!bundleTrusts(bundle, cert))
      checks.push(
        fail(
          'caBundle',
          `the caBundle of ${WEBHOOK_NAME} does not trust the serving certificate in Secret ${TLS_SECRET}`,
          'run `kubectl graphdata certs rotate` (it publishes the right caBundle first)',
        ),
      );
    else if (!info.dnsNames.includes(host))
      checks.push(
        fail(
          'caBundle',
          `the serving certificate lacks the SAN ${host}`,
          'run `kubectl graphdata certs rotate --force`',
        ),
      );
    else checks.push(pass('caBundle', `trusts the serving certificate (${host})`));
  } catch (error) {
    checks.push(fail('caBundle', `Secret ${TLS_SECRET}: ${apiErrorMessage(error)}`, 'run `kubectl graphdata install`'));
  }
  checks.push(await serviceAccountCheck(c, namespace));
  return checks;
}

/** Can the webhook's ServiceAccount read its Secret and hold its Lease? */
async function serviceAccountCheck(c: Clients, namespace: string): Promise<Check> {
  const auth = c.kc.makeApiClient(c.k8s.AuthorizationV1Api);
  const user = `system:serviceaccount:${namespace}:${APP_NAME}`;
  const asks = [
    { resource: 'secrets', verb: 'get', name: TLS_SECRET, namespace },
    { resource: 'leases', group: 'coordination.k8s.io', verb: 'update', name: 'graphdata-webhook-leader', namespace },
    { resource: 'namespaces', verb: 'list' },
  ];
  try {
    for (const a of asks) {
      const review = await auth.createSubjectAccessReview({
        body: { spec: { user, groups: ['system:serviceaccounts'], resourceAttributes: a } },
      });
      if (!review.status?.allowed) {
        return fail(
          'RBAC',
          `ServiceAccount ${APP_NAME} may not ${a.verb} ${a.resource}${'name' in a ? ` ${a.name}` : ''}`,
          'run `kubectl graphdata install` again to restore its Role and ClusterRole',
        );
      }
    }
    return pass('RBAC', `ServiceAccount ${APP_NAME} may read its Secret, hold its Lease and read namespaces`);
  } catch (error) {
    return fail(
      'RBAC',
      `cannot ask the apiserver: ${apiErrorMessage(error)}`,
      'run as a user who may create SubjectAccessReviews',
    );
  }
}

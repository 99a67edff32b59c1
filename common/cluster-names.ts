// Names the plugin and the webhook give the same things in the cluster: what `install`
// puts there (looked for by install, status, doctor, certs and the webhook's self-managed
// mode), the built-in policy's reference, and the pod subresources /validate judges.
export const DEFAULT_NAMESPACE = 'graphdata-system';
/** Deployment, Service, ServiceAccount, PDB, HPA, Role, ClusterRole and their bindings. */
export const APP_NAME = 'graphdata-webhook';
/** The serving pair (tls.crt, tls.key) and ca.crt: what replicas serve. */
export const TLS_SECRET = 'graphdata-webhook-tls';
/** The CA (ca.crt, ca.key): read only by the leader and the plugin, never mounted. */
export const CA_SECRET = 'graphdata-webhook-ca';
/** The Lease replicas compete for; its holder renews certificates. */
export const LEADER_LEASE = 'graphdata-webhook-leader';
export const HTTPS_PORT = 8443;
/** The MutatingWebhookConfiguration and ValidatingWebhookConfiguration. */
export const WEBHOOK_NAME = 'graphdata';
/** The kinds of the webhook configurations, for the leader's caBundle patches and `uninstall`. */
export const WEBHOOK_CONFIGURATION_KINDS = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'] as const;
export const FIELD_MANAGER = 'kubectl-graphdata';
/** What the webhook's self-managed leader writes as, so managedFields tell it apart from the plugin. */
export const WEBHOOK_FIELD_MANAGER = 'graphdata-webhook';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': FIELD_MANAGER } as const;
export const APP_LABELS = { 'app.kubernetes.io/name': 'graphdata', 'app.kubernetes.io/component': 'webhook' } as const;
/**
 * The built-in policy as users see it named (status, version, explain, audit): the policy
 * reference that pods it injected carry in graphdata.io/injected, marked as built in.
 */
export const BUILT_IN_POLICY = 'ClusterGraphDataPolicy/default (built-in)';
/**
 * The built-in policy's metadata.name (policies/default-policy.yaml). A ClusterGraphDataPolicy
 * of this name records the same reference in graphdata.io/injected, so the record alone
 * cannot tell the two apart: /validate warns when one is created and explain says so.
 */
export const BUILT_IN_POLICY_NAME = 'default';

/**
 * Pod subresources that change what a pod runs, each sent as an UPDATE of the whole Pod:
 * `ephemeralcontainers` (`kubectl debug`: a new container with its own image, which no other
 * request carries) and `resize` (in-place resize of requests and limits: beta from
 * Kubernetes 1.33, GA in 1.35). The others (`status`, `binding`, `eviction`, `exec`, …)
 * change nothing a rule reads.
 */
export const VALIDATED_POD_SUBRESOURCES = ['ephemeralcontainers', 'resize'] as const;

/**
 * The paths of the pod-level entries (pods labelled graphdata.io/inject=enabled in namespaces
 * not opted in): the registration points there, the webhook serves them.
 */
export const POD_OPT_IN_MUTATE_PATH = '/mutate/pod-opt-in';
export const POD_OPT_IN_VALIDATE_PATH = '/validate/pod-opt-in';

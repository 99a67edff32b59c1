import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { UserError, WebhookCommand, dryRunMode, dryRunOption, usageError } from '../cli/base.js';
import { DEFAULT_CPU_LIMIT, DEFAULT_MEMORY_QUANTITY } from '../../common/memory-budget.js';
import { containerLimits } from './container-limits.js';

export class InstallCommand extends WebhookCommand {
  static override paths = [['install']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'Install the webhook in a cluster, wait for it, and prove that it injects',
    details: `
      Generates the certificates (or keeps the cluster's if they are still good), then server-side applies, with field manager \`kubectl-graphdata\`: the namespace (PodSecurity \`restricted\`), the policy CRDs, a ServiceAccount with least-privilege RBAC, the certificate Secrets, a Lease, the Service, a Deployment with a PodDisruptionBudget and an HPA, and the Mutating and Validating WebhookConfigurations (last).

      It waits for the rollout, then creates a server-side dry-run pod in a temporary opted-in namespace: the pod must come back carrying what graphdata's engine injects into it under the policy the webhook uses (the \`graphdata.io/injected\` annotation alone proves nothing: any webhook can write it), or install says what the pod lacks and which of port, caBundle, selector or RBAC is wrong, and exits 1. Where the cluster policy's \`spec.podOptIn\` allows pod-level opt-in, a pod labelled \`graphdata.io/inject=enabled\` in a temporary namespace that selector selects (not opted in) must come back injected too; install says when it could not test that.

      \`--allow-from CIDR,...\` adds a NetworkPolicy that admits to the webhook's port only these addresses (the control plane's, where the apiserver's calls come from) and the webhook's own pods; it needs a network plugin that enforces NetworkPolicies.

      \`--cpu\` and \`--memory\` set each webhook pod's limits: it serves from one process per whole CPU, as far as the memory gives each its full share (2 processes need 1088Mi); install refuses a memory limit the webhook could not start with.

      \`--webhook-url\` registers a webhook running outside the cluster (development; clusters without nodes) with the CA from \`--ca-file\`: only the namespace, the policy CRDs and ClusterRoles and the two webhook configurations are applied. If that webhook runs with \`--policy FILE\`, give install the same \`--policy FILE\` so the self-test knows what it injects.

      In the cluster, \`--image\` names the image you built from the Dockerfile and pushed: no registry publishes one. \`--dry-run=client -o yaml --image IMAGE\` prints the whole bundle for GitOps (\`-o\` never applies); \`--dry-run=server\` has the apiserver check every object without storing it.
    `,
    examples: [
      [
        'Install with the defaults (2 replicas, failurePolicy Ignore)',
        '$0 install --image registry.example.com/graphdata-webhook:0.1.0',
      ],
      [
        'Webhook pods of 2 CPUs, each serving from 2 processes',
        '$0 install --image registry.example.com/graphdata-webhook:0.1.0 --cpu 2 --memory 1100Mi',
      ],
      [
        'Print the bundle for a GitOps repository',
        '$0 install --dry-run=client -o yaml --image registry.example.com/graphdata-webhook:0.1.0 > graphdata.yaml',
      ],
      [
        'Register a webhook running on this machine',
        '$0 install --webhook-url https://192.168.1.10:8443 --ca-file certs/dev/ca.crt',
      ],
      [
        'Register one that runs with its own policy file (npm start -- --policy my-policy.yaml)',
        '$0 install --webhook-url https://192.168.1.10:8443 --ca-file certs/dev/ca.crt --policy my-policy.yaml',
      ],
    ],
  });

  image = Option.String('--image', {
    description:
      'The webhook image you built from the Dockerfile and pushed (required without --webhook-url: no registry publishes one)',
  });
  replicas = Option.String('--replicas', '2', {
    description: 'Replicas (and the HPA minimum)',
    validator: t.isNumber(),
  });
  cpu = Option.String('--cpu', DEFAULT_CPU_LIMIT, {
    description:
      'CPU limit of each webhook pod (e.g. 2): it serves from one process per whole CPU, as far as --memory holds them',
  });
  memory = Option.String('--memory', DEFAULT_MEMORY_QUANTITY, {
    description:
      'Memory limit of each webhook pod (e.g. 1100Mi): shared out between its processes and the reviews in flight',
  });
  failurePolicy = Option.String('--failure-policy', 'Ignore', {
    description: 'Ignore|Fail: what the apiserver does when the webhook cannot be reached',
    validator: t.isEnum(['Ignore', 'Fail'] as const),
  });
  webhookUrl = Option.String('--webhook-url', {
    description: 'Register a webhook running outside the cluster at this https URL',
  });
  caFile = Option.String('--ca-file', {
    description: 'With --webhook-url: PEM file of the CA that signed its certificate',
  });
  timeout = Option.String('--timeout', '300', {
    description: 'Seconds to wait for the rollout',
    validator: t.isNumber(),
  });
  allowFrom = Option.String('--allow-from', {
    description:
      "CIDR,...: add a NetworkPolicy that admits only these addresses (the control plane's) and the webhook's own pods to its port",
  });
  policy = Option.String('--policy', {
    description:
      'With --webhook-url: the policy file that webhook runs with (its --policy), so the self-test knows what it must inject',
  });
  skipSelfTest = Option.Boolean('--skip-self-test', false, { description: 'Do not create the dry-run test pod' });
  selfTestTimeout = Option.String('--self-test-timeout', '30', {
    description:
      'Seconds the self-test retries while the apiserver cannot call the webhook yet (it loads new registrations and caBundles with a delay); a refusal that cannot change stops it at once',
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(1, 3600)]),
  });
  dryRun = dryRunOption();
  // No default: `-o` only prints, so install must know whether it was given.
  output = Option.String('-o,--output', {
    description: 'With --dry-run=client: print the bundle as yaml|json (nothing is applied)',
    validator: t.isEnum(['yaml', 'json'] as const),
  });

  async run(): Promise<number> {
    const dryRun = dryRunMode(this.dryRun);
    if (this.output && dryRun !== 'client') {
      // -o prints; it must never also install (kubectl's -o without --dry-run would apply).
      throw usageError(
        `-o ${this.output} prints the install bundle and applies nothing, so it needs --dry-run=client`,
        `to print it: kubectl graphdata install --dry-run=client -o ${this.output} --image REGISTRY/graphdata-webhook:TAG; to install: drop -o`,
      );
    }
    if (!this.webhookUrl && !this.image) {
      // Every in-cluster mode: a real install would otherwise roll out pods that can never
      // pull their image, and wait out --timeout before rolling back.
      throw usageError(
        'an install in the cluster needs --image: no registry publishes a graphdata-webhook image, so its pods could never start',
        'build and push the image from the Dockerfile (docker build -t REGISTRY/graphdata-webhook:TAG . && docker push REGISTRY/graphdata-webhook:TAG), then add --image REGISTRY/graphdata-webhook:TAG',
      );
    }
    if (!Number.isInteger(this.replicas) || this.replicas < 1) {
      throw new UserError(`--replicas must be a whole number ≥ 1, got ${this.replicas}`, undefined, 2);
    }
    if (this.webhookUrl && !/^https:\/\//.test(this.webhookUrl)) {
      throw new UserError(
        `--webhook-url must be an https:// URL, got ${this.webhookUrl}`,
        'the apiserver calls webhooks over TLS only',
        2,
      );
    }
    if (this.policy && !this.webhookUrl) {
      throw usageError(
        '--policy names the policy file of a webhook at --webhook-url; an installed webhook reads the cluster policy objects',
        'drop --policy, or add --webhook-url',
      );
    }
    if (this.webhookUrl && !this.caFile) {
      throw new UserError(
        '--webhook-url needs --ca-file: the CA that signed the certificate the webhook serves',
        '`npm start` writes it to certs/dev/ca.crt',
        2,
      );
    }
    const [{ installManifests }, { readFile }] = await Promise.all([
      import('../webhook-objects/manifests.js'),
      import('node:fs/promises'),
    ]);
    const namespace = this.webhookNamespaceOrDefault();
    let urlBundle: string | undefined;
    if (this.caFile) {
      try {
        urlBundle = await readFile(this.caFile, 'utf8');
        const { caBundle } = await import('../../certs/pki.js');
        urlBundle = caBundle(urlBundle);
      } catch (error) {
        throw new UserError(
          `--ca-file ${this.caFile}: ${(error as Error).message}`,
          'give a PEM file with the CA certificate',
        );
      }
    }
    let allowFrom: string[] | undefined;
    if (this.allowFrom !== undefined) {
      const { parseAllowFrom } = await import('../webhook-objects/network-policy.js');
      try {
        allowFrom = parseAllowFrom(this.allowFrom);
      } catch (error) {
        throw new UserError((error as Error).message, "give the control plane's addresses, comma-separated");
      }
      if (this.webhookUrl)
        throw new UserError('--allow-from protects a webhook run by install', 'drop --allow-from with --webhook-url');
    }
    const limits = containerLimits(this.cpu, this.memory);
    const base = {
      namespace,
      replicas: this.replicas,
      cpuLimit: this.cpu,
      memoryLimit: this.memory,
      ...(allowFrom ? { allowFrom } : {}),
      failurePolicy: this.failurePolicy,
      ...(this.image ? { image: this.image } : {}),
      ...(this.webhookUrl ? { webhookUrl: this.webhookUrl } : {}),
    };
    const out = this.context.stdout;
    const say = (line: string) => out.write(`${line}\n`);
    if (limits.note && !this.output) this.context.stderr.write(`warning: ${limits.note}\n`);

    if (dryRun === 'client') {
      // Offline: fresh certificates, nothing read from or sent to a cluster.
      let certs;
      let bundle = urlBundle ?? '';
      if (!this.webhookUrl) {
        const { generateWebhookCerts } = await import('../../certs/rollover.js');
        const { webhookIdentity } = await import('./steps.js');
        const generated = generateWebhookCerts(webhookIdentity(namespace));
        certs = {
          caCert: generated.ca.certPem,
          caKey: generated.ca.keyPem,
          tlsCert: generated.serving.certPem,
          tlsKey: generated.serving.keyPem,
        };
        bundle = generated.bundle;
        this.context.stderr.write(
          `note: the bundle holds two Secrets (graphdata-webhook-ca, graphdata-webhook-tls) with freshly generated private keys.\n` +
            `  Keep them out of Git (create them once with kubectl, or seal them), and have your sync tool ignore their data\n` +
            `  and the webhook configurations' caBundle: the webhook renews both before expiry.\n`,
        );
      }
      const { formatObjects } = await import('../output/format.js');
      out.write(
        await formatObjects(
          installManifests({ ...base, caBundle: bundle, ...(certs ? { certs } : {}) }),
          this.output ?? 'yaml',
        ),
      );
      return 0;
    }

    const { loadKubeConfig } = await import('../kube/kubeconfig.js');
    const { makeClients } = await import('../kube/clients.js');
    const cluster = await import('./steps.js');
    const { restoreRegistrations, snapshotRegistrations } = await import('./registration-rollback.js');
    const { webhookConfigurations } = await import('../webhook-objects/manifests.js');
    const { k8s, kc } = await loadKubeConfig(this);
    const c = makeClients(k8s, kc);
    const server = dryRun === 'server';

    let objects;
    let unchecked = 0;
    let finalOptions;
    let previous;
    // Where an in-cluster webhook may be left from before: this namespace, and the one the
    // registration points at now (cleaned only after a URL install's self-test passed).
    const inClusterNamespaces = new Set([namespace]);
    try {
      previous = server ? {} : await snapshotRegistrations(c);
      if (this.webhookUrl && !server) {
        const { registeredMode } = await import('../webhook-objects/install-modes.js');
        const before = await registeredMode(c);
        if (before.serviceNamespace) inClusterNamespaces.add(before.serviceNamespace);
      }
      if (this.webhookUrl) {
        finalOptions = { ...base, caBundle: urlBundle! };
      } else {
        const plan = await cluster.plannedCerts(c, namespace);
        say(
          plan.reasons.length
            ? `certificates: ${plan.reasons.join('; ')}`
            : 'certificates: keeping the valid ones in the cluster',
        );
        // A new serving cert must never be stored before the caBundle that trusts it.
        if (!server && plan.bundleChanged && plan.publishedBundles > 0) {
          await cluster.publishBundle(c.admission, plan.bundle);
          say('published the new caBundle first; waiting 5s for the apiserver to load it');
          await cluster.sleep(5000);
        }
        finalOptions = {
          ...base,
          caBundle: plan.bundle,
          certs: {
            caCert: plan.ca.certPem,
            caKey: plan.ca.keyPem,
            tlsCert: plan.serving.certPem,
            tlsKey: plan.serving.keyPem,
          },
        };
      }
      // A dry run checks what will be stored in the end; a real install registers staged
      // (failurePolicy Ignore) until the self-test has passed.
      objects = installManifests({ ...finalOptions, staged: !server });
      if (server && !(await cluster.namespaceExists(c, namespace))) {
        // Nothing is stored in a dry run, so objects in a namespace that does not exist yet cannot be checked.
        unchecked = objects.filter((o) => o.metadata.namespace).length;
        objects = objects.filter((o) => !o.metadata.namespace);
        say(`namespace ${namespace} does not exist yet: ${unchecked} namespaced objects are not checked`);
      }
      objects = await cluster.keepLiveReplicas(c, objects, namespace);
    } catch (error) {
      throw new UserError(
        `install failed: ${(error as Error).message}`,
        'check that you may read and create cluster-scoped objects (CRDs, RBAC, webhook configurations); nothing was applied',
      );
    }

    // From here on, any failure puts the webhook registration back as it was.
    const before = previous;
    const rollBack = async (error: UserError): Promise<never> => {
      say('install failed: putting the webhook registration back as it was before this install');
      for (const line of await restoreRegistrations(c, before)) say(`  ${line}`);
      say(
        `  the other objects this install applied stay for inspection (kubectl get all -n ${namespace}); ` +
          '`kubectl graphdata uninstall` removes them',
      );
      throw error;
    };
    try {
      await cluster.applyAll(c, objects, server, say);
    } catch (error) {
      const failed = new UserError(
        `install failed: ${(error as Error).message}`,
        'check that you may create cluster-scoped objects (CRDs, RBAC, webhook configurations)',
      );
      if (server) throw failed;
      return rollBack(failed);
    }
    if (server) {
      say(
        unchecked
          ? `dry run: the apiserver accepted the ${objects.length} objects it could check; the ${unchecked} in namespace ${namespace} were not checked; nothing was stored`
          : 'dry run: the apiserver accepted every object; nothing was stored',
      );
      return 0;
    }
    if (!this.webhookUrl) {
      const rollout = await cluster.waitForRollout(c, namespace, this.timeout * 1000, say);
      if (!rollout.ok) {
        return rollBack(
          new UserError(
            `the webhook did not become ready: ${rollout.detail}`,
            `look at the pods: kubectl get pods -n ${namespace} -l app.kubernetes.io/name=graphdata; kubectl describe deploy -n ${namespace} graphdata-webhook`,
          ),
        );
      }
    }
    if (this.skipSelfTest) {
      say(
        'installed (self-test skipped): the webhooks stay registered with failurePolicy Ignore, which never blocks a pod; ' +
          'run install again without --skip-self-test to have enforcement fail closed',
      );
      if (this.webhookUrl) {
        const { leftovers } = await import('../webhook-objects/install-modes.js');
        for (const ns of inClusterNamespaces) {
          const left = (await leftovers(c, ns, 'url')).map((l) => l.what);
          if (left.length)
            say(
              `left in place until a self-test passes: the in-cluster webhook's ${left.join(', ')} in ${ns} (this URL install does not use them)`,
            );
        }
      }
      return 0;
    }
    say('self-test: creating a dry-run pod in a temporary opted-in namespace');
    let given;
    if (this.policy) {
      const { loadPolicyForCli } = await import('../cli/policy-option.js');
      given = { policy: await loadPolicyForCli(this.policy), file: this.policy };
    }
    const result = await cluster.selfTest(c, namespace, this.selfTestTimeout * 1000, given);
    if (!result.ok) {
      const { renderChecks } = await import('../output/checks.js');
      const { painter } = await import('../output/format.js');
      this.context.stderr.write(renderChecks(result.checks, painter(this.context.stderr)));
      return rollBack(
        new UserError(
          `self-test failed: the dry-run pod was not injected (retried for up to ${this.selfTestTimeout} s; --self-test-timeout sets how long)`,
          'fix the ✗ rows above, then run install again',
        ),
      );
    }
    say('self-test passed: the pod came back injected, with what the engine computes for it');
    for (const note of result.notes) say(`self-test: ${note}`);
    try {
      await cluster.applyAll(c, webhookConfigurations(finalOptions), false, say);
    } catch (error) {
      return rollBack(new UserError(`install failed: ${(error as Error).message}`, 'run install again'));
    }
    say(
      `registered: the validating webhook now fails closed (failurePolicy Fail), the mutating one ${finalOptions.failurePolicy === 'Fail' ? 'too' : 'fails open'}`,
    );
    if (this.webhookUrl) {
      // The in-cluster webhook is no longer called: its objects go, now that the URL works.
      const { removeInClusterLeftovers } = await import('../webhook-objects/install-modes.js');
      for (const ns of inClusterNamespaces) for (const line of await removeInClusterLeftovers(c, ns)) say(line);
    }
    say(`installed. Opt a namespace in with: kubectl graphdata enable -n NAMESPACE`);
    return 0;
  }
}

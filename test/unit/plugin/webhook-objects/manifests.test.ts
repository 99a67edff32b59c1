import { describe, expect, it } from 'vitest';
import { installManifests, type ManifestObject } from '../../../../plugin/webhook-objects/manifests.js';
import { CA_SECRET, LEADER_LEASE, TLS_SECRET } from '../../../../common/cluster-names.js';
import { parseAllowFrom } from '../../../../plugin/webhook-objects/network-policy.js';
import {
  DEFAULT_MEMORY_LIMIT,
  parseCpuLimit,
  parseMemoryLimit,
  servingProcesses,
} from '../../../../common/memory-budget.js';

const certs = { caCert: 'CA', caKey: 'CAKEY', tlsCert: 'CRT', tlsKey: 'KEY' };
const bundle = installManifests({ caBundle: 'BUNDLE', certs });
const find = (objects: ManifestObject[], kind: string, name?: string) =>
  objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name)) as
    | (ManifestObject & Record<string, any>)
    | undefined;

describe('installManifests', () => {
  it('lists every object of an in-cluster install, webhook configurations last', () => {
    expect(bundle.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/graphdata-system',
      'CustomResourceDefinition/clustergraphdatapolicies.graphdata.io',
      'CustomResourceDefinition/graphdatapolicies.graphdata.io',
      'ClusterRole/graphdata-policy-edit',
      'ClusterRole/graphdata-policy-view',
      'ServiceAccount/graphdata-webhook',
      'ClusterRole/graphdata-webhook',
      'ClusterRoleBinding/graphdata-webhook',
      'Role/graphdata-webhook',
      'RoleBinding/graphdata-webhook',
      `Secret/${CA_SECRET}`,
      `Secret/${TLS_SECRET}`,
      `Lease/${LEADER_LEASE}`,
      'Service/graphdata-webhook',
      'Deployment/graphdata-webhook',
      'PodDisruptionBudget/graphdata-webhook',
      'HorizontalPodAutoscaler/graphdata-webhook',
      'MutatingWebhookConfiguration/graphdata',
      'ValidatingWebhookConfiguration/graphdata',
    ]);
    for (const o of bundle) expect(o.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('kubectl-graphdata');
  });

  it('namespace enforces PodSecurity restricted', () => {
    expect(find(bundle, 'Namespace')!.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });

  it('RBAC: reads cluster-wide, writes only its own objects, by name', () => {
    const cluster = find(bundle, 'ClusterRole', 'graphdata-webhook')!.rules as {
      resources: string[];
      verbs: string[];
      resourceNames?: string[];
    }[];
    for (const rule of cluster) {
      const writes = rule.verbs.some((v) => !['get', 'list', 'watch'].includes(v));
      // Policy status is the one write on objects it does not own, and only through /status.
      if (writes && rule.resources.every((r) => r.endsWith('graphdatapolicies/status'))) continue;
      if (writes) expect(rule.resourceNames).toEqual(['graphdata']);
    }
    expect(cluster).toContainEqual(
      expect.objectContaining({
        resources: ['clustergraphdatapolicies/status', 'graphdatapolicies/status'],
        verbs: ['update', 'patch'],
      }),
    );
    expect(cluster.flatMap((r) => r.resources)).toEqual(
      expect.arrayContaining([
        'namespaces',
        'clustergraphdatapolicies',
        'graphdatapolicies',
        'alluxioruntimes',
        'datasets',
        'mutatingwebhookconfigurations',
      ]),
    );
    const role = find(bundle, 'Role')!.rules as { resources: string[]; verbs: string[]; resourceNames?: string[] }[];
    expect(role.find((r) => r.resources.includes('secrets'))!.resourceNames).toEqual([TLS_SECRET, CA_SECRET]);
    expect(role.find((r) => r.resources.includes('leases'))!.resourceNames).toEqual([LEADER_LEASE]);
    for (const rule of [...cluster, ...role]) expect(rule.verbs).not.toContain('create');
    for (const rule of [...cluster, ...role]) expect(rule.verbs).not.toContain('*');
  });

  it('policy roles: namespace admins and editors manage GraphDataPolicy, viewers read it, nobody else gains', () => {
    type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
    const edit = find(bundle, 'ClusterRole', 'graphdata-policy-edit')!;
    const view = find(bundle, 'ClusterRole', 'graphdata-policy-view')!;
    const aggregation = (o: ManifestObject) =>
      Object.keys(o.metadata.labels!).filter((k) => k.startsWith('rbac.authorization.k8s.io/aggregate-to-'));
    expect(aggregation(edit).sort()).toEqual([
      'rbac.authorization.k8s.io/aggregate-to-admin',
      'rbac.authorization.k8s.io/aggregate-to-edit',
    ]);
    expect(aggregation(view)).toEqual(['rbac.authorization.k8s.io/aggregate-to-view']);
    for (const o of [edit, view]) {
      for (const k of aggregation(o)) expect(o.metadata.labels![k]).toBe('true');
      expect(o.aggregationRule).toBeUndefined();
    }
    expect(edit.rules).toEqual([
      {
        apiGroups: ['graphdata.io'],
        resources: ['graphdatapolicies'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'],
      },
    ]);
    expect(view.rules).toEqual([
      { apiGroups: ['graphdata.io'], resources: ['graphdatapolicies'], verbs: ['get', 'list', 'watch'] },
    ]);
    // The cluster policy and the status the webhook writes stay out of every tenant-facing role.
    for (const rule of [...edit.rules, ...view.rules] as Rule[]) {
      expect(rule.resources).not.toContain('clustergraphdatapolicies');
      expect(rule.resources.some((r) => r.includes('/'))).toBe(false);
      expect(rule.verbs).not.toContain('*');
      expect(rule.apiGroups).toEqual(['graphdata.io']);
    }
    // URL mode ships them too (they go with the CRDs), and uninstall deletes what the bundle lists.
    const url = installManifests({ caBundle: 'B', webhookUrl: 'https://127.0.0.1:9443' });
    expect(url.filter((o) => o.kind === 'ClusterRole').map((o) => o.metadata.name)).toEqual([
      'graphdata-policy-edit',
      'graphdata-policy-view',
    ]);
  });

  it('Deployment: replicas, spread, probes, resources, restricted securityContext, no preStop', () => {
    const dep = find(bundle, 'Deployment')!;
    expect(dep.spec.replicas).toBe(2);
    const pod = dep.spec.template.spec;
    expect(pod.topologySpreadConstraints[0].topologyKey).toBe('kubernetes.io/hostname');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const c = pod.containers[0];
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/healthz', scheme: 'HTTPS' });
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/readyz', scheme: 'HTTPS' });
    expect(c.resources.requests.cpu).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
    expect(c.lifecycle).toBeUndefined();
    expect(c.args).toEqual(expect.arrayContaining(['--self-managed', '--port', '8443']));
    expect(c.ports).toEqual([{ name: 'https', containerPort: 8443, protocol: 'TCP' }]);
  });

  it('Service 443 → 8443, a PDB and a CPU HPA', () => {
    expect(find(bundle, 'Service')!.spec.ports).toEqual([
      { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
    ]);
    expect(find(bundle, 'PodDisruptionBudget')!.spec.maxUnavailable).toBe(1);
    const hpa = find(bundle, 'HorizontalPodAutoscaler')!;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
  });

  it('webhook configuration points at the Service with the caBundle and the chosen failurePolicy', () => {
    const hook = find(
      installManifests({ caBundle: 'BUNDLE', certs, failurePolicy: 'Fail' }),
      'MutatingWebhookConfiguration',
    )!.webhooks[0];
    expect(hook.clientConfig).toEqual({
      service: { namespace: 'graphdata-system', name: 'graphdata-webhook', port: 443, path: '/mutate' },
      caBundle: Buffer.from('BUNDLE').toString('base64'),
    });
    expect(hook.failurePolicy).toBe('Fail');
    expect(hook.namespaceSelector.matchExpressions[1].values).toContain('graphdata-system');
  });

  it('--webhook-url: only the namespace, CRDs and webhook configuration, pointing at the URL', () => {
    const objects = installManifests({ caBundle: 'B', webhookUrl: 'https://127.0.0.1:9443', namespace: 'gd' });
    expect(objects.map((o) => o.kind)).toEqual([
      'Namespace',
      'CustomResourceDefinition',
      'CustomResourceDefinition',
      'ClusterRole',
      'ClusterRole',
      'MutatingWebhookConfiguration',
      'ValidatingWebhookConfiguration',
    ]);
    expect(find(objects, 'MutatingWebhookConfiguration')!.webhooks[0].clientConfig.url).toBe(
      'https://127.0.0.1:9443/mutate',
    );
    const validating = find(objects, 'ValidatingWebhookConfiguration')!;
    expect(validating.webhooks[0].clientConfig.url).toBe('https://127.0.0.1:9443/validate');
    expect(validating.webhooks.every((w: { failurePolicy: string }) => w.failurePolicy === 'Fail')).toBe(true);
  });

  it('honours namespace, image and replicas', () => {
    const objects = installManifests({ caBundle: 'B', certs, namespace: 'gd', image: 'reg/gd:1', replicas: 3 });
    const dep = find(objects, 'Deployment')!;
    expect(dep.metadata.namespace).toBe('gd');
    expect(dep.spec.replicas).toBe(3);
    expect(dep.spec.template.spec.containers[0].image).toBe('reg/gd:1');
    expect(find(objects, 'HorizontalPodAutoscaler')!.spec.minReplicas).toBe(3);
    expect(find(objects, 'ClusterRoleBinding')!.subjects[0].namespace).toBe('gd');
  });
});

describe('memory: the one setting', () => {
  it('the Deployment limit (512Mi) reaches the webhook as GRAPHDATA_MEMORY_LIMIT, its budget derived from it', () => {
    const c = find(bundle, 'Deployment')!.spec.template.spec.containers[0];
    expect(c.resources.limits.memory).toBe('512Mi');
    expect(c.env).toContainEqual({
      name: 'GRAPHDATA_MEMORY_LIMIT',
      valueFrom: { resourceFieldRef: { containerName: c.name, resource: 'limits.memory' } },
    });
    expect(parseMemoryLimit(String(512 * 1024 * 1024), 'GRAPHDATA_MEMORY_LIMIT')).toBe(DEFAULT_MEMORY_LIMIT);
  });

  it('the CPU limit reaches it as GRAPHDATA_CPU_LIMIT in millicores; install --cpu --memory set both limits', () => {
    const c = find(bundle, 'Deployment')!.spec.template.spec.containers[0];
    expect(c.resources.limits.cpu).toBe('1');
    expect(c.env).toContainEqual({
      name: 'GRAPHDATA_CPU_LIMIT',
      valueFrom: { resourceFieldRef: { containerName: c.name, resource: 'limits.cpu', divisor: '1m' } },
    });
    // What the downward API writes for limits.cpu 1 with divisor 1m: one serving process.
    expect(servingProcesses('auto', parseCpuLimit('1000'), DEFAULT_MEMORY_LIMIT).count).toBe(1);
    const two = installManifests({ caBundle: 'B', certs, cpuLimit: '2', memoryLimit: '1100Mi' });
    expect(find(two, 'Deployment')!.spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '2', memory: '1100Mi' },
    });
    expect(servingProcesses('auto', parseCpuLimit('2000'), 1100 * 1024 * 1024).count).toBe(2);
  });
});

describe('install --allow-from', () => {
  it('without it, no NetworkPolicy', () => {
    expect(find(bundle, 'NetworkPolicy')).toBeUndefined();
  });

  it("admits only the given CIDRs and the webhook's own pods, to the webhook's port", () => {
    const objects = installManifests({ caBundle: 'B', certs, allowFrom: parseAllowFrom('10.0.0.0/24, fd00::/64') });
    const policy = find(objects, 'NetworkPolicy')!;
    const pods = find(objects, 'Deployment')!.spec.template;
    expect(policy.metadata).toMatchObject({ name: 'graphdata-webhook', namespace: 'graphdata-system' });
    // It selects the webhook's pods, and only for ingress (the webhook's own calls out are untouched).
    expect(pods.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    const port = pods.spec.containers[0].ports[0].containerPort;
    expect(policy.spec.ingress).toEqual([
      {
        from: [
          { ipBlock: { cidr: '10.0.0.0/24' } },
          { ipBlock: { cidr: 'fd00::/64' } },
          { podSelector: { matchLabels: policy.spec.podSelector.matchLabels } },
        ],
        ports: [{ protocol: 'TCP', port }],
      },
    ]);
    // Before the webhook configurations, like every other object of the webhook.
    const kinds = objects.map((o) => o.kind);
    expect(kinds.indexOf('NetworkPolicy')).toBeLessThan(kinds.indexOf('MutatingWebhookConfiguration'));
  });

  it.each([
    ['', /at least one CIDR/],
    ['10.0.0.0', /"10.0.0.0" is not a CIDR/],
    ['10.0.0.0/33', /"10.0.0.0\/33" is not a CIDR/],
    ['apiserver/32', /"apiserver\/32" is not a CIDR/],
    ['fd00::/129', /not a CIDR/],
  ])('refuses %j, saying what to give', (text, reason) => {
    expect(() => parseAllowFrom(text)).toThrow(reason);
  });
});

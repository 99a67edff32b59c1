// The Nodes of the e2e cluster. kwok plays their kubelet: pods bound to them turn Running
// and Ready without any container, so Deployments roll out and Jobs complete. Plain data,
// so test files can import it without pulling in process code.

/** The annotation kwok's --manage-nodes-with-annotation-selector picks its nodes by. */
export const KWOK_NODE_ANNOTATION = { 'kwok.x-k8s.io/node': 'fake' } as const;

/** The label the built-in policy places readers by (placement.nodeLabels of default-policy.yaml). */
export const CACHE_NODE_LABEL = { alluxio: 'true' } as const;

export interface FakeNode {
  name: string;
  labels: Record<string, string>;
}

/** Two cache nodes and one plain node: placement has somewhere to go, and somewhere else. */
export const FAKE_NODES: readonly FakeNode[] = [
  { name: 'gd-e2e-cache-0', labels: { ...CACHE_NODE_LABEL } },
  { name: 'gd-e2e-cache-1', labels: { ...CACHE_NODE_LABEL } },
  { name: 'gd-e2e-plain-0', labels: {} },
];

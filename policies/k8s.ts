// Kubernetes object shapes the core works on. Type-only imports: the core never
// loads the client library at run time.
import type { V1Container, V1EnvVar, V1ObjectMeta, V1PodSpec, V1Volume, V1VolumeMount } from '@kubernetes/client-node';

export type Container = V1Container;
export type EnvVar = V1EnvVar;
export type Volume = V1Volume;
export type VolumeMount = V1VolumeMount;
export type PodSpec = V1PodSpec;

/** A Pod, or a pod template (`metadata` + `spec`) from a Deployment, Job, … */
export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec?: PodSpec;
  status?: unknown;
}

/**
 * Workload kinds whose `spec.template` is a pod template, with the apiVersion that
 * serves each. ReplicationController (core v1) belongs here: its pods are created from
 * `spec.template` like a ReplicaSet's, so the webhook injects them too.
 */
export const POD_TEMPLATE_API_VERSIONS: Readonly<Record<string, string>> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Job: 'batch/v1',
  ReplicationController: 'v1',
};

export const POD_TEMPLATE_KINDS: ReadonlySet<string> = new Set(Object.keys(POD_TEMPLATE_API_VERSIONS));

/** `kind: List` (or any `…List`) with an `items` array: kubectl's way of sending many objects as one. */
export const isList = (value: unknown): value is { kind: string; items: unknown[] } =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { kind?: unknown }).kind === 'string' &&
  (value as { kind: string }).kind.endsWith('List') &&
  Array.isArray((value as { items?: unknown }).items);

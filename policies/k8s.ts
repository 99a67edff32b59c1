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

// What every scaffold builder takes and returns.
import type { Policy } from '../../policies/model.js';

/** A Kubernetes object as written to stdout. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Flag values as typed; undefined means "not given", so builders own the defaults. */
export interface ScaffoldFlags {
  image?: string;
  type?: string;
  mainClass?: string;
  mainFile?: string;
  args?: string[];
  sparkVersion?: string;
  driverCores?: number;
  driverMemory?: string;
  executors?: number;
  executorCores?: number;
  executorMemory?: string;
  serviceAccount?: string;
  noWebhook?: boolean;
  componentsImage?: string;
  feAddresses?: string[];
  feUser?: string;
  operatorAutoscaling?: boolean;
  feImage?: string;
  feReplicas?: number;
  minReplicas?: number;
  maxReplicas?: number;
  cpu?: string;
  memory?: string;
  mount?: string;
  alluxioImage?: string;
  memQuota?: string;
  ssdQuota?: string;
  ssdPath?: string;
  scaleAt?: number;
  registry?: string;
  graphscopeVersion?: string;
  workers?: number;
  cluster?: boolean;
  mode?: string;
  allowedRegistries?: string[];
  maxExecutorCores?: number;
  maxExecutorMemory?: string;
  maxCnReplicas?: number;
}

export interface ScaffoldInput {
  name: string;
  namespace: string;
  flags: ScaffoldFlags;
  /** The policy whose values fill injection defaults (built-in unless --policy); loaded on demand. */
  policy: () => Policy;
}

export interface ScaffoldResult {
  objects: Manifest[];
  /** Printed as `#` comments above YAML output: what to do next, what the output relies on. */
  notes: string[];
}

export type ScaffoldBuilder = (input: ScaffoldInput) => ScaffoldResult;

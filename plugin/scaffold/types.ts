// What every scaffold builder takes and returns. Each kind declares its own options
// next to its builder; the command class of the kind supplies them.

/** A Kubernetes object as written to stdout. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** NAME and `-n`, already checked to be names the apiserver accepts. */
export interface ScaffoldTarget {
  name: string;
  namespace: string;
}

export interface ScaffoldResult {
  objects: Manifest[];
  /** Printed as `#` comments above YAML output: what to do next, what the output relies on. */
  notes: string[];
  /** What the output lacks and the user must add: on stderr whatever the format (and among the notes). */
  missing?: { message: string; hint: string }[];
}

// `graphdata.io/injected`: what was injected, by which policy and generation. Output
// only: anyone who can create a pod can write it, so it is never a reason to skip
// injection; `explain` checks every piece against the pod instead of believing it.
import type { Pod } from './k8s.js';
import { ANNOTATION_INJECTED } from './model.js';

export interface InjectedRecord {
  policy: string;
  generation: number;
  profile?: string;
  workload: string;
  containers: string[];
  /** Mutators whose work is complete in the pod (a mutator that met a conflict is not listed). */
  mutators: string[];
}

export function readInjectedAnnotation(pod: Pod): InjectedRecord | undefined {
  const raw = pod.metadata?.annotations?.[ANNOTATION_INJECTED];
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<InjectedRecord>;
    if (typeof parsed.policy === 'string') return parsed as InjectedRecord;
  } catch {
    // Hand-written or truncated: reported as an unreadable record.
  }
  return { policy: 'unknown', generation: 0, workload: 'unknown', containers: [], mutators: [] };
}

// `graphdata.io/injected`: what was injected, by which policy and generation. Its
// presence makes re-injection a no-op; `explain` and `audit` read it back.
import type { Pod } from './k8s.js';
import { ANNOTATION_INJECTED } from './model.js';

export interface InjectedRecord {
  policy: string;
  generation: number;
  profile?: string;
  workload: string;
  containers: string[];
  /** Mutators that changed the pod. */
  mutators: string[];
}

export function readInjectedAnnotation(pod: Pod): InjectedRecord | undefined {
  const raw = pod.metadata?.annotations?.[ANNOTATION_INJECTED];
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<InjectedRecord>;
    if (typeof parsed.policy === 'string') return parsed as InjectedRecord;
  } catch {
    // Hand-written or truncated: still counts as injected, so we never inject twice.
  }
  return { policy: 'unknown', generation: 0, workload: 'unknown', containers: [], mutators: [] };
}

export function writeInjectedAnnotation(pod: Pod, record: InjectedRecord): void {
  const metadata = (pod.metadata ??= {});
  (metadata.annotations ??= {})[ANNOTATION_INJECTED] = JSON.stringify(record);
}

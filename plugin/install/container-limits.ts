// `install --cpu --memory`: the webhook container's limits, checked with the same plan the
// webhook makes from them (common/memory-budget.ts), so a limit it could not start with is
// refused here, before anything is applied.
import { MemoryLimitError, memoryFor, servingProcesses } from '../../common/memory-budget.js';
import { UserError } from '../cli/base.js';

const MiB = 1024 * 1024;
const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: MiB,
  Gi: 1024 * MiB,
  Ti: 1024 ** 4,
};

export interface ContainerLimits {
  /** Serving processes per pod, and a sentence when the memory holds fewer than the CPUs ask for. */
  processes: number;
  note?: string;
}

export function containerLimits(cpu: string, memory: string): ContainerLimits {
  const bad = (flag: string, value: string, hint: string) =>
    new UserError(`${flag} ${JSON.stringify(value)} is not a Kubernetes quantity`, hint, 2);
  const c = /^(\d+(?:\.\d+)?)(m)?$/.exec(cpu);
  if (!c) throw bad('--cpu', cpu, 'write it like 2 or 1500m');
  const cpus = c[2] ? Number(c[1]) / 1000 : Number(c[1]);
  if (cpus < 0.1)
    throw new UserError(
      `--cpu ${cpu} is below the pod's request (100m)`,
      'give at least 100m; 1 or more serves well',
      2,
    );
  const m = /^(\d+(?:\.\d+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(memory);
  if (!m) throw bad('--memory', memory, 'write it like 512Mi or 1Gi');
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2] ?? '']!);
  try {
    const plan = servingProcesses('auto', cpus, bytes);
    const wanted = Math.max(1, Math.floor(cpus));
    return plan.count < wanted
      ? {
          processes: plan.count,
          note: `--cpu ${cpu} asks for ${wanted} serving processes per pod, but --memory ${memory} holds ${plan.count}; give --memory ${Math.ceil(memoryFor(wanted) / MiB)}Mi for ${wanted}`,
        }
      : { processes: plan.count };
  } catch (error) {
    if (!(error instanceof MemoryLimitError)) throw error;
    throw new UserError(`--memory ${memory}: ${error.message}`, 'raise --memory (the default is 512Mi)', 2);
  }
}

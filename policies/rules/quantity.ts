// CPU and memory amounts in the two notations tenants mix: Kubernetes quantities
// (`500m`, `1.5`, `8Gi`, `8G`) and Spark/JVM sizes (`512m`, `4g`, binary units).

/** Cores from `2`, `1.5`, `500m` (or a number); undefined when unreadable. */
export function parseCpu(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?|\.\d+)(m?)$/.exec(value.trim());
  if (!m) return undefined;
  return Number(m[1]) / (m[2] ? 1000 : 1);
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3 };

/** Bytes from a Kubernetes quantity (`8Gi`, `8G`, `1024`, `1e9`). */
export function parseK8sMemory(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)([KMGTPE]i|[kKMGTPEm]?)$/.exec(value.trim());
  if (!m) return undefined;
  const unit = m[2]!;
  return Number(m[1]) * (BINARY[unit] ?? DECIMAL[unit] ?? 1);
}

/** Bytes from a Spark size (`512m`, `4g`, `4096`, optional trailing `b`): units are binary, bare numbers MiB as Spark reads them. */
export function parseSparkMemory(value: unknown): number | undefined {
  if (typeof value === 'number') return value * 2 ** 20;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)b?$/i.exec(value.trim());
  if (!m) return undefined;
  const power = { '': 2, k: 1, m: 2, g: 3, t: 4, p: 5 }[m[2]!.toLowerCase()] ?? 2;
  return Number(m[1]) * 1024 ** power;
}

/**
 * The policy's `maxExecutorMemory`: `Gi`/`Mi` are Kubernetes binary units, `G`/`M`
 * Kubernetes decimal ones, and lower-case `g`/`m` Spark's binary units (never milli).
 */
export function parseLimitMemory(value: string): number | undefined {
  return /^\d+(\.\d+)?[kmgt]$/.test(value) ? parseSparkMemory(value) : parseK8sMemory(value);
}

export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(2))}${unit}`;
  }
  return `${bytes}`;
}

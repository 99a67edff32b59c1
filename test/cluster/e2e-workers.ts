// How many e2e files run at once. Each worker gets a control plane of its own (started
// by global-setup.ts): the files install cluster-scoped objects (webhook configurations,
// ClusterGraphDataPolicies, CRDs), so two files must never share one.
// GRAPHDATA_E2E_WORKERS=1 runs them one after another on one control plane.
export function e2eWorkers(): number {
  const raw = process.env.GRAPHDATA_E2E_WORKERS;
  if (raw === undefined || raw === '') return 2;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 8) {
    throw new Error(`GRAPHDATA_E2E_WORKERS=${raw}: give a whole number from 1 to 8`);
  }
  return n;
}

// Public surface of the pure core, used by webhook/ and plugin/.
export * from './diagnostics.js';
export * from './model.js';
export * from './engine.js';
export * from './injected-annotation.js';
export * from './policy-loader.js';
export * from './workloads.js';
export * from './yaml-source.js';
export * from './image-ref.js';
export { MUTATORS } from './mutators/index.js';
export type { Action, ActionOutcome, Mutator, MutationContext } from './mutators/index.js';
export type { Pod, Container } from './k8s.js';
export * from './patch.js';
export * from './rules/index.js';
export * from './pod-sites.js';
export * from './version.js';
export * from './policy-crds.js';
export * from './label-selector.js';

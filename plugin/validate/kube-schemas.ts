// Reads the Kubernetes OpenAPI data `validate` checks built-in kinds against, and the
// validators the build compiled from it, on first use: a run over CRs only reads neither.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../../common/package-root.js';
import {
  KUBE_OPENAPI_VERSION,
  type KubeOpenApi,
  KubeSchemaChecker,
  type KubeValidator,
} from '../../policies/kube-schema.js';

let checker: KubeSchemaChecker | undefined;

export function kubeSchemaChecker(): KubeSchemaChecker {
  if (checker) return checker;
  const root = packageRoot();
  const openapi = JSON.parse(
    readFileSync(join(root, 'policies', 'kube-openapi', `${KUBE_OPENAPI_VERSION}.json`), 'utf8'),
  ) as KubeOpenApi;
  checker = new KubeSchemaChecker(openapi, precompiled(join(root, 'dist', 'policies', 'kube-validators.cjs')));
  return checker;
}

/** The build's validators, when they were compiled from this release's data; else none (compiled on use). */
function precompiled(file: string): Record<string, KubeValidator> {
  if (!existsSync(file)) return {};
  const mod = createRequire(import.meta.url)(file) as Record<string, KubeValidator> & { kubernetes?: string };
  return mod.kubernetes === KUBE_OPENAPI_VERSION ? mod : {};
}

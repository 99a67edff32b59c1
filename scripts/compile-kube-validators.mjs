// Part of `npm run build`: compiles the Kubernetes OpenAPI schemas `validate` checks
// built-in kinds against (policies/kube-openapi/<version>.json) into ajv standalone
// code, dist/policies/kube-validators.cjs, one export per kind. Compiling the Pod
// schema tree at run time costs ~0.4 s of CPU; loading this file a few milliseconds.
import { readFileSync, writeFileSync } from 'node:fs';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { addReachable, KUBE_OPENAPI_VERSION, kubeAjv, validatorName } from '../dist/policies/kube-schema.js';

const root = new URL('..', import.meta.url).pathname;
const openapi = JSON.parse(readFileSync(`${root}policies/kube-openapi/${KUBE_OPENAPI_VERSION}.json`, 'utf8'));
const ajv = kubeAjv({ standalone: true });
const exports = {};
for (const [key, name] of Object.entries(openapi.kinds)) {
  addReachable(ajv, openapi, name);
  exports[validatorName(key)] = name;
}
// The data's release goes with the code: validators from other data are not used.
const code = `${standaloneCode.default(ajv, exports)}\nexports.kubernetes = ${JSON.stringify(openapi.kubernetes)};\n`;
writeFileSync(`${root}dist/policies/kube-validators.cjs`, code);

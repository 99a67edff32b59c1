// Part of `npm run build`: validates the built-in policy and writes it, defaults filled,
// as dist/policies/default-policy.json, so start-up needs neither the YAML parser nor
// the schema compiler. A broken built-in policy fails the build here.
import { readFileSync, writeFileSync } from 'node:fs';
import { invalidPolicyMessage } from '../dist/policies/diagnostics.js';
import { parsePolicy } from '../dist/policies/policy-loader.js';
import { compiledDefaultPolicyPath, defaultPolicyPath } from '../dist/common/policy-file.js';

const source = defaultPolicyPath();
const { policy, diagnostics } = parsePolicy(readFileSync(source, 'utf8'), source);
if (!policy) {
  console.error(`built-in ${invalidPolicyMessage(source, diagnostics)}`);
  process.exit(1);
}
writeFileSync(compiledDefaultPolicyPath(), `${JSON.stringify(policy)}\n`);

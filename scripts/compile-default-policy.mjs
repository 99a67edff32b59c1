// Part of `npm run build`: validates the built-in policy and writes it, defaults filled,
// as dist/policies/default-policy.json, so start-up needs neither the YAML parser nor
// the schema compiler. A broken built-in policy fails the build here.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { invalidPolicyMessage } from '../dist/policies/diagnostics.js';
import { parsePolicy } from '../dist/policies/policy-loader.js';
import { compiledDefaultPolicyPath, compiledPolicyJson, defaultPolicyPath } from '../dist/common/policy-file.js';

const source = defaultPolicyPath();
const text = readFileSync(source, 'utf8');
const { policy, diagnostics } = parsePolicy(text, source);
if (!policy) {
  console.error(`built-in ${invalidPolicyMessage(source, diagnostics)}`);
  process.exit(1);
}
// With the text it came from: start-up uses it only while the YAML still says exactly that.
// Written only when it changed, whole then renamed: a webhook starting meanwhile reads
// either version, never half of one.
const target = compiledDefaultPolicyPath();
const json = compiledPolicyJson(text, policy);
if (!existsSync(target) || readFileSync(target, 'utf8') !== json) {
  writeFileSync(`${target}.tmp`, json);
  renameSync(`${target}.tmp`, target);
}

// `--policy FILE` checked against itself (policies/policy-self-check.ts), each finding at
// its line in FILE: validate and policy test report what the webhook would do to the
// pods the policy injects.
import { readFileSync } from 'node:fs';
import { splitPath, type Diagnostic } from '../../policies/diagnostics.js';
import type { Policy } from '../../policies/model.js';
import { selfConflicts } from '../../policies/policy-self-check.js';
import { parseYamlSource } from '../../policies/yaml-source.js';

export function policySelfFindings(file: string, policy: Policy): Diagnostic[] {
  const found = selfConflicts(policy);
  if (!found.length) return [];
  let source: ReturnType<typeof parseYamlSource>['documents'][number] | undefined;
  try {
    source = parseYamlSource(readFileSync(file, 'utf8'), file).documents.find((d) => d.value !== null);
  } catch {
    source = undefined; // read once already by the loader; positions are a nicety
  }
  return found.map((d) => ({ ...d, file, ...(source?.position(splitPath(d.path ?? '')) ?? {}) }));
}

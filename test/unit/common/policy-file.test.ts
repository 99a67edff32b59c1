import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compiledDefaultPolicyPath,
  compiledPolicy,
  compiledPolicyJson,
  defaultPolicyPath,
  loadPolicyFile,
  PolicyFileError,
} from '../../../common/policy-file.js';
import { defaultPolicy } from '../../fixtures/policy.js';

describe('loadPolicyFile', () => {
  it('gives the built-in policy exactly as the YAML says (compiled at build or parsed)', async () => {
    expect(await loadPolicyFile()).toEqual(defaultPolicy());
  });

  it('names a missing file and how to fix it', async () => {
    const error = await loadPolicyFile('/nonexistent/policy.yaml').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyFileError);
    expect((error as PolicyFileError).diagnostics[0]).toMatchObject({
      code: 'policy-unreadable',
      message: 'no such file',
      hint: 'check the path given to --policy',
    });
  });
});

describe('the compiled built-in policy', () => {
  /** A YAML policy and its compiled JSON in a temporary directory, as `npm run build` writes them. */
  async function built(): Promise<{ yaml: string; json: string; text: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'graphdata-compiled-'));
    const text = readFileSync(defaultPolicyPath(), 'utf8');
    const yaml = join(dir, 'policy.yaml');
    const json = join(dir, 'policy.json');
    writeFileSync(yaml, text);
    writeFileSync(json, compiledPolicyJson(text, await loadPolicyFile(yaml)));
    return { yaml, json, text };
  }

  it('is used while the YAML is the text it was compiled from, whatever the file times say', async () => {
    const { yaml, json } = await built();
    // A copy that made the YAML newer than the JSON (the mtime check fell back to the YAML here).
    utimesSync(json, new Date(1_000_000), new Date(1_000_000));
    expect(compiledPolicy(json, yaml)).toEqual(await loadPolicyFile(yaml));
  });

  it('is not used once the YAML was edited, even if the JSON looks newer: the YAML is', async () => {
    const { yaml, json, text } = await built();
    const edited = text.replace('rpcPort: 19998', 'rpcPort: 19999');
    expect(edited).not.toBe(text);
    writeFileSync(yaml, edited);
    utimesSync(yaml, new Date(1_000_000), new Date(1_000_000));
    expect(compiledPolicy(json, yaml)).toBeUndefined();
    expect((await loadPolicyFile(yaml)).spec.alluxio.master.rpcPort).toBe(19999);
    // A JSON from before this format (no source) or a broken one is never used either.
    writeFileSync(json, JSON.stringify(await loadPolicyFile(yaml)));
    expect(compiledPolicy(json, yaml)).toBeUndefined();
    writeFileSync(json, '{');
    expect(compiledPolicy(json, yaml)).toBeUndefined();
  });

  it('the build wrote one for the YAML in the repository, and it gives what the YAML says', async () => {
    const { parsePolicy } = await import('../../../policies/policy-loader.js');
    const fromYaml = parsePolicy(readFileSync(defaultPolicyPath(), 'utf8'), defaultPolicyPath()).policy;
    expect(compiledPolicy(compiledDefaultPolicyPath(), defaultPolicyPath())).toEqual(fromYaml);
  });
});

import { describe, expect, it } from 'vitest';
import { PolicyFileError, loadPolicyFile } from '../../../common/policy-file.js';
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

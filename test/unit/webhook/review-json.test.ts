// The reply text is assembled around the base64 patch instead of JSON.stringify of the
// whole envelope: it must be byte for byte what JSON.stringify would have sent.
import { describe, expect, it } from 'vitest';
import { mutate } from '../../../webhook/mutation.js';
import { type AdmissionResponse, reviewJson, reviewResponse } from '../../../webhook/review.js';
import { sparkExecutorPod } from '../../fixtures/pods.js';
import { defaultPolicy } from '../../fixtures/policy.js';
import { admissionReview } from '../../support/webhook-client.js';

const stringified = (response: AdmissionResponse) => JSON.stringify(reviewResponse(response));

describe('reviewJson', () => {
  it('is JSON.stringify of the review for every response shape', () => {
    const uids = ['u-1', 'quote"and\\backslash', 'ünïcödé \u2028', ''];
    for (const uid of uids) {
      const shapes: AdmissionResponse[] = [
        { uid, allowed: true },
        { uid, allowed: true, warnings: ['w "1"', 'w\n2'] },
        { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from('[{"op":"add"}]').toString('base64') },
        { uid, allowed: true, warnings: ['w'], patchType: 'JSONPatch', patch: 'W10=' },
        { uid, allowed: false, status: { code: 403, reason: 'Forbidden', message: 'no "way"' } },
        { uid, allowed: true, patch: '' },
      ];
      for (const response of shapes) {
        expect(reviewJson(response)).toBe(stringified(response));
        expect(JSON.parse(reviewJson(response))).toEqual(reviewResponse(response));
      }
    }
  });

  it('is JSON.stringify of the review for a real injection', () => {
    const review = admissionReview(sparkExecutorPod());
    const result = mutate(review.request, defaultPolicy());
    expect(result.outcome).toBe('injected');
    expect(reviewJson(result.response)).toBe(stringified(result.response));
  });
});

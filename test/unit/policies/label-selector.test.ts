import { describe, expect, it } from 'vitest';
import { formatSelector, matchesSelector } from '../../../policies/label-selector.js';

describe('label selectors', () => {
  const labels = { team: 'a', tier: 'gold' };

  it.each([
    [{}, true],
    [{ matchLabels: { team: 'a' } }, true],
    [{ matchLabels: { team: 'b' } }, false],
    [{ matchLabels: { team: 'a', env: 'prod' } }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['gold', 'silver'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn' as const, values: ['gold'] }] }, false],
    [{ matchExpressions: [{ key: 'env', operator: 'NotIn' as const, values: ['prod'] }] }, true],
    [{ matchExpressions: [{ key: 'team', operator: 'Exists' as const }] }, true],
    [{ matchExpressions: [{ key: 'team', operator: 'DoesNotExist' as const }] }, false],
    [{ matchExpressions: [{ key: 'team', operator: 'Bogus' as never }] }, false],
  ])('%j → %s', (selector, expected) => {
    expect(matchesSelector(selector, labels)).toBe(expected);
  });

  it('reads own labels only', () => {
    expect(matchesSelector({ matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, {})).toBe(false);
    expect(matchesSelector({ matchLabels: { toString: 'x' } }, {})).toBe(false);
  });

  it('prints like kubectl', () => {
    expect(
      formatSelector({
        matchLabels: { team: 'a' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['x', 'y'] },
          { key: 'gone', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('team=a, tier in (x,y), !gone');
  });
});

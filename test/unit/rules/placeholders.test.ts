import { describe, expect, it } from 'vitest';
import { findPlaceholder } from '../../../policies/rules/placeholders.js';
import { placeholderRule } from '../../../policies/rules/placeholders.js';
import { pod, run, sparkApp, starRocksCluster } from './helpers.js';

describe('placeholder rule', () => {
  it.each([
    ['<ip>:<port>', '<ip>'],
    ['xxx:xxx', 'xxx'],
    ['http://xxx:8030', 'xxx'],
    ['registry.example.com/spark:3.5.1', 'registry.example.com'],
    ['your-registry/spark:3.5.1', 'your-registry'],
    ['changeme', 'changeme'],
  ])('recognises %s', (text, found) => {
    expect(findPlaceholder(text)).toContain(found);
  });

  it.each([
    'apache/spark:3.5.1',
    'sr-fe-service.analytics:9030',
    'sort <in.txt >out.txt',
    'xxxx-service',
    'box-xxx-1',
    'exampleapp.io/x',
  ])('leaves %s alone', (text) => {
    expect(findPlaceholder(text)).toBeUndefined();
  });

  it('reports an FE address placeholder in a pod env with an FE hint', () => {
    const p = pod({ metadata: { name: 'cn-0', labels: {} } });
    p.spec.containers[0].env = [{ name: 'FE_SERVICE', value: '<ip>:<port>' }];
    const [d] = run(p, {}, placeholderRule);
    expect(d).toMatchObject({ severity: 'error', code: 'placeholder', path: 'spec.containers[0].env[0].value' });
    expect(d!.message).toContain('FE address');
    expect(d!.hint).toContain('9030');
  });

  it('reports placeholder images in StarRocks and Spark objects', () => {
    expect(run(starRocksCluster({ image: 'xxx:xxx' }), {}, placeholderRule).map((d) => d.path)).toEqual([
      'spec.starRocksCnSpec.image',
    ]);
    expect(
      run(sparkApp({ spec: { image: '<your-registry>/spark:3.5.1' } }), {}, placeholderRule).map((d) => d.path),
    ).toEqual(['spec.image']);
  });

  it('stays quiet on real values and ignores annotations', () => {
    expect(
      run(
        [sparkApp(), starRocksCluster(), pod({ metadata: { annotations: { note: 'see https://docs.example.com' } } })],
        {},
        placeholderRule,
      ),
    ).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { formatImage, parseImage, resolveImage } from '../../../policies/image-ref.js';

describe('image references', () => {
  it.each([
    ['nginx', { path: 'nginx' }],
    ['alluxio/alluxio:2.9.4', { path: 'alluxio/alluxio', tag: '2.9.4' }],
    ['localhost:5000/spark:3.5', { registry: 'localhost:5000', path: 'spark', tag: '3.5' }],
    ['registry.local/a/b@sha256:abc', { registry: 'registry.local', path: 'a/b', digest: 'sha256:abc' }],
    [
      'registry.local:5000/a/b:1.0@sha256:abc',
      { registry: 'registry.local:5000', path: 'a/b', tag: '1.0', digest: 'sha256:abc' },
    ],
  ])('parses %s and formats it back unchanged', (image, ref) => {
    expect(parseImage(image)).toEqual(ref);
    expect(formatImage(parseImage(image))).toBe(image);
  });

  const settings = {
    defaultTags: { 'alluxio/alluxio': '2.9.4', nginx: '1.27' },
    mirrors: [{ from: 'docker.io', to: 'mirror.local:5000' }],
  };

  it('pins missing and latest tags, then mirrors Docker Hub images (adding library/)', () => {
    expect(resolveImage('alluxio/alluxio', settings).image).toBe('mirror.local:5000/alluxio/alluxio:2.9.4');
    expect(resolveImage('nginx:latest', settings).image).toBe('mirror.local:5000/library/nginx:1.27');
    expect(resolveImage('docker.io/library/nginx', settings).image).toBe('mirror.local:5000/library/nginx:1.27');
  });

  it('leaves digests, other registries and already-mirrored images alone', () => {
    expect(resolveImage('alluxio/alluxio@sha256:abc', settings).changes).toEqual([
      'registry docker.io → mirror.local:5000',
    ]);
    expect(resolveImage('quay.io/x/y:1', settings).changes).toEqual([]);
    const once = resolveImage('alluxio/alluxio:latest', settings).image;
    expect(resolveImage(once, settings)).toEqual({ image: once, changes: [] });
  });

  it('flags floating images the policy has no default for', () => {
    expect(resolveImage('apache/spark', settings)).toMatchObject({ floating: true });
  });
});

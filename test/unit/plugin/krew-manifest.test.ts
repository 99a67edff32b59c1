import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PLUGIN_VERSION } from '../../../plugin/cli/plugin-version.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const manifest = parse(readFileSync(`${root}plugin.yaml`, 'utf8'));

describe('plugin.yaml (krew)', () => {
  it('is a krew v1alpha2 Plugin named graphdata at the plugin version', () => {
    expect(manifest).toMatchObject({
      apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
      kind: 'Plugin',
      metadata: { name: 'graphdata' },
    });
    expect(manifest.spec.version).toBe(`v${PLUGIN_VERSION}`);
    expect(manifest.spec.shortDescription.length).toBeLessThanOrEqual(80);
  });

  it('points every platform at the versioned tarball and at the launcher in it', () => {
    for (const p of manifest.spec.platforms) {
      expect(p.selector).toBeDefined();
      expect(p.uri).toContain(`/v${PLUGIN_VERSION}/graphdata-v${PLUGIN_VERSION}.tar.gz`);
      expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(p.bin).toMatch(/(^|\/)kubectl-graphdata$/);
      // `npm pack` puts the checkout under package/.
      expect(existsSync(`${root}${p.bin.replace(/^package\//, '')}`)).toBe(true);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { decideImageVolumes, imageVolumeGate, parseServerVersion } from '../../../common/image-volumes.js';

const v = (minor: string) => parseServerVersion({ major: '1', minor, gitVersion: `v1.${minor.replace('+', '')}.0` });

describe('image volume support', () => {
  it('reads the ImageVolume gate from the apiserver metrics text, whatever the label order', () => {
    const metrics = [
      '# HELP kubernetes_feature_enabled [BETA] This metric records the data about the stage and enablement of a k8s feature.',
      'kubernetes_feature_enabled{name="ImageMaximumGCAge",stage=""} 1',
      'kubernetes_feature_enabled{name="ImageVolume",stage="BETA"} 0',
    ].join('\n');
    expect(imageVolumeGate(metrics)).toBe(false);
    expect(imageVolumeGate('kubernetes_feature_enabled{stage="BETA",name="ImageVolume"} 1\n')).toBe(true);
    expect(imageVolumeGate('kubernetes_feature_enabled{name="ImageVolumeX",stage="BETA"} 1\n')).toBeUndefined();
    expect(imageVolumeGate('')).toBeUndefined();
  });

  it('1.36 and later: GA and locked on, whatever the metrics say', () => {
    expect(decideImageVolumes(v('36'), undefined).supported).toBe(true);
    expect(decideImageVolumes(v('37+'), { on: false }).supported).toBe(true);
  });

  it('1.33 to 1.35: the gate decides, and an unreadable gate counts as off', () => {
    expect(decideImageVolumes(v('35'), { on: true })).toEqual({
      supported: true,
      reason: 'v1.35.0: the ImageVolume feature gate is on',
    });
    expect(decideImageVolumes(v('35'), { on: false }).supported).toBe(false);
    const unread = decideImageVolumes(v('35'), { error: 'GET /metrics: HTTP 403 (forbidden)' });
    expect(unread.supported).toBe(false);
    expect(unread.reason).toContain('HTTP 403');
  });

  it('before 1.33: not served', () => {
    expect(decideImageVolumes(v('32'), { on: true }).supported).toBe(false);
  });
});

// Image defaults: pin floating tags, rewrite registries for offline clusters,
// pull policy and pull secrets. Runs last so it also covers containers other
// mutators added.
import { resolveImage } from '../image-ref.js';
import type { Container } from '../k8s.js';
import { byName } from './ensure.js';
import type { Action, Mutator } from './types.js';

export const images: Mutator = {
  name: 'images',
  summary: 'default tags for untagged or :latest images, registry mirrors, pull policy and pull secrets',
  apply(pod, { spec, edits }) {
    const actions: Action[] = [];
    const settings = spec.images;
    const visit = (field: 'containers' | 'initContainers', list: Container[] | undefined): void => {
      if (!list) return;
      for (let i = 0; i < list.length; i++) {
        const c = list[i]!;
        if (!c.image) continue;
        const resolved = resolveImage(c.image, settings);
        if (resolved.changes.length) {
          actions.push({
            mutator: 'images',
            outcome: 'applied',
            subject: `image of ${c.name}`,
            reason: `${c.image} → ${resolved.image} (${resolved.changes.join(', ')})`,
          });
          edits.set(c, 'image', resolved.image, `/spec/${field}/${i}`);
        }
        // A mirrored image can still float: the tag is what makes a pull reproducible.
        if (resolved.floating) {
          actions.push({
            mutator: 'images',
            outcome: 'skipped',
            subject: `image of ${c.name}`,
            path: `spec.${field}[${i}].image`,
            reason: `${c.image} floats and the policy has no default tag for it`,
            hint: 'pin a tag in the pod, or add the repository to spec.images.defaultTags in the policy',
          });
        }
        if (settings.pullPolicy && c.imagePullPolicy !== settings.pullPolicy) {
          actions.push({
            mutator: 'images',
            outcome: 'applied',
            subject: `imagePullPolicy of ${c.name}`,
            reason: `${c.imagePullPolicy ?? '(unset)'} → ${settings.pullPolicy}`,
          });
          edits.set(c, 'imagePullPolicy', settings.pullPolicy, `/spec/${field}/${i}`);
        }
      }
    };
    visit('containers', pod.spec?.containers);
    visit('initContainers', pod.spec?.initContainers);
    if (settings.pullSecrets.length && pod.spec) {
      for (const name of settings.pullSecrets) {
        if (pod.spec.imagePullSecrets?.some(byName(name))) continue;
        edits.append(pod.spec, 'imagePullSecrets', { name }, '/spec');
        actions.push({ mutator: 'images', outcome: 'applied', subject: `imagePullSecret ${name}` });
      }
    }
    // Say so when everything was already as the policy wants: the record lists this mutator either way.
    if (!actions.some((a) => a.outcome === 'applied'))
      actions.push({ mutator: 'images', outcome: 'present', subject: 'images, pull policy and pull secrets' });
    return { pod, actions };
  },
};

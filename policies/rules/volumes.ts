// volumeMounts must name a volume of the same pod (or SparkApplication spec.volumes);
// otherwise the apiserver rejects the pod, or the Spark operator drops the mount.
import { diagnostic, joinPath, type Diagnostic } from '../diagnostics.js';
import { podViews } from './pod-view.js';
import { isWorkloadKind, type Rule } from './types.js';

export const volumeMountRule: Rule = {
  code: 'volume-missing',
  description: 'volumeMounts naming a volume the pod (or SparkApplication spec.volumes) does not define',
  appliesTo: isWorkloadKind,
  check(obj) {
    const out: Diagnostic[] = [];
    for (const view of podViews(obj)) {
      const names = new Set(view.volumes.map((v) => v?.name));
      let known: string | undefined; // once per pod, and a few names: not the whole list per mount
      for (const c of view.containers) {
        c.volumeMounts.forEach((mount, i) => {
          if (typeof mount?.name !== 'string' || names.has(mount.name)) return;
          known ??= someNames([...names].filter((n): n is string => typeof n === 'string' && n !== ''));
          out.push(
            diagnostic(
              'error',
              'volume-missing',
              `${c.label} mounts volume "${mount.name}" at ${mount.mountPath ?? '?'}, but no volume of that name is defined`,
              {
                path: joinPath([...c.mountsPath, i, 'name']),
                hint: `add a volume named "${mount.name}" to ${joinPath(view.volumesPath)}${known ? `, or use one of: ${known}` : ''}`,
              },
            ),
          );
        });
      }
    }
    return out;
  },
};

/** The first few names, and how many more: a tenant's pod can define thousands. */
function someNames(names: string[], shown = 10): string {
  const head = names.slice(0, shown).join(', ');
  return names.length > shown ? `${head} (and ${names.length - shown} more)` : head;
}

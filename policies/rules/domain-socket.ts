// Domain socket: the client must look for the worker's socket where the worker puts
// it. A mismatch is silent: short-circuit reads fall back to the network.
import { diagnostic, joinPath, type Diagnostic } from '../diagnostics.js';
import type { Volume } from '../k8s.js';
import { normalizePath } from '../paths.js';
import { podViews } from './pod-view.js';
import { fluidNeighbour, isWorkloadKind, modeSeverity, type KubeObject, type RuleContext, type Rule } from './types.js';

export const SOCKET_PROPERTY = 'alluxio.worker.data.server.domain.socket.address';
const SOCKET_OPTION = /-Dalluxio\.worker\.data\.server\.domain\.socket\.address=(\S+)/g;

/** Where clients must look: an AlluxioRuntime of the same input says so explicitly, else the policy. */
function expectedSocket(obj: KubeObject, ctx: RuleContext): { clientPath: string; hostPath: string; source: string } {
  const runtime = fluidNeighbour(
    obj,
    ctx,
    ['AlluxioRuntime'],
    (o) => typeof o.spec?.properties?.[SOCKET_PROPERTY] === 'string',
  );
  const { mountPath, hostPath } = ctx.spec.alluxio.domainSocket;
  if (runtime)
    return {
      clientPath: normalizePath(runtime.spec.properties[SOCKET_PROPERTY]),
      hostPath: normalizePath(hostPath),
      source: `AlluxioRuntime ${runtime.metadata?.name ?? ''}`.trim(),
    };
  return {
    clientPath: normalizePath(mountPath),
    hostPath: normalizePath(hostPath),
    source: `policy "${ctx.policy.name}"`,
  };
}

export const socketPathRule: Rule = {
  code: 'socket-path-mismatch',
  description:
    'client domain-socket path (-D option, hostPath mount) differs from the worker socket path in the policy or AlluxioRuntime',
  appliesTo: isWorkloadKind,
  check(obj, ctx) {
    const want = expectedSocket(obj, ctx);
    const severity = modeSeverity(ctx, 'socket-path-mismatch');
    const out: Diagnostic[] = [];
    for (const view of podViews(obj)) {
      const volumes = new Map(
        view.volumes.filter((v) => typeof v?.name === 'string').map((v) => [v.name, v] as [string, Volume]),
      );
      for (const c of view.containers.filter((c) => !c.init)) {
        for (const text of c.optionTexts) {
          for (const m of text.value.matchAll(SOCKET_OPTION)) {
            if (normalizePath(m[1]!) === want.clientPath) continue;
            out.push(
              diagnostic(
                severity,
                'socket-path-mismatch',
                `${c.label} looks for the worker domain socket at ${m[1]}, but the worker uses ${want.clientPath} (${want.source})`,
                {
                  path: joinPath(text.path),
                  hint: `set -D${SOCKET_PROPERTY}=${want.clientPath}, or remove the option and let graphdata inject it`,
                },
              ),
            );
          }
        }
        c.volumeMounts.forEach((mount, i) => {
          const hostPath = volumes.get(mount?.name)?.hostPath?.path;
          if (typeof hostPath !== 'string' || typeof mount.mountPath !== 'string') return;
          const at = joinPath([...c.mountsPath, i, 'mountPath']);
          if (normalizePath(hostPath) === want.hostPath && normalizePath(mount.mountPath) !== want.clientPath) {
            out.push(
              diagnostic(
                severity,
                'socket-path-mismatch',
                `the worker socket directory ${hostPath} is mounted at ${mount.mountPath} in ${c.label}, but clients look for it at ${want.clientPath} (${want.source})`,
                {
                  path: at,
                  hint: `mount it at ${want.clientPath}, or remove the mount and let graphdata inject it`,
                },
              ),
            );
          } else if (normalizePath(mount.mountPath) === want.clientPath && normalizePath(hostPath) !== want.hostPath) {
            out.push(
              diagnostic(
                severity,
                'socket-path-mismatch',
                `${want.clientPath} in ${c.label} comes from hostPath ${hostPath}, but the worker writes its socket to ${want.hostPath} on the node`,
                {
                  path: joinPath([
                    ...view.volumesPath,
                    view.volumes.indexOf(volumes.get(mount.name)!),
                    'hostPath',
                    'path',
                  ]),
                  hint: `set the volume's hostPath.path to ${want.hostPath}`,
                },
              ),
            );
          }
        });
      }
    }
    return out;
  },
};

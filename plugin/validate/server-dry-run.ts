// `validate --server`: a server-side dry-run create of every object, so the
// apiserver, the CRD schemas and admission webhooks (graphdata's included) have
// their say. Loaded only when --server is given: the client library is heavy.
import { prefixPath, type Diagnostic, type Severity } from '../../policies/diagnostics.js';
import { isList } from '../../policies/k8s.js';
import type { KubeObject } from '../../policies/rules/index.js';
import { UserError } from '../cli/base.js';
import { loadKubeConfig, type KubeFlags } from '../kube/kubeconfig.js';
import { locate, type LocatedDocument } from './sources.js';

interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

interface Status {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: StatusCause[] };
}

const REASON_HINTS: Record<string, string> = {
  Invalid: 'fix the field the apiserver names',
  BadRequest: 'fix the field the apiserver names',
  NotFound: 'create the namespace or the object this one refers to first, or pass -n',
  Forbidden: 'read the message: RBAC denied the request, or an admission webhook refused it',
  Conflict: 'retry; the object changed while it was checked',
};

export interface DryRunResult {
  diagnostics: Diagnostic[];
  /** Why the cluster could not be asked (no kubeconfig, no answer); `diagnostics` holds what it said before. */
  failure?: UserError;
}

export async function serverDryRun(documents: readonly LocatedDocument[], flags: KubeFlags): Promise<DryRunResult> {
  const out: Diagnostic[] = [];
  try {
    const { k8s, kc } = await loadKubeConfig(flags);
    const client = k8s.KubernetesObjectApi.makeApiClient(kc);
    for (const doc of documents) {
      for (const { obj, prefix } of creatable(doc.source.value)) {
        const body = structuredClone(obj) as KubeObject & { metadata: Record<string, unknown> };
        body.metadata ??= {};
        if (flags.namespace && !body.metadata.namespace) body.metadata.namespace = flags.namespace;
        try {
          await client.create(body as never, undefined, 'All');
        } catch (error) {
          out.push(
            ...toDiagnostics(error, obj, kc.getCurrentCluster()?.server).map((d) =>
              locate(
                { ...d, ...(d.path !== undefined || prefix.length ? { path: prefixPath(prefix, d.path) } : {}) },
                doc,
              ),
            ),
          );
        }
      }
    }
  } catch (error) {
    if (error instanceof UserError) return { diagnostics: out, failure: error };
    throw error;
  }
  return { diagnostics: out };
}

/** Objects kubectl would send: List items one by one; documents without kind or apiVersion are left to the offline rules. */
function creatable(
  value: unknown,
  prefix: (string | number)[] = [],
): { obj: KubeObject; prefix: (string | number)[] }[] {
  if (typeof value !== 'object' || value === null) return [];
  const obj = value as KubeObject;
  if (isList(obj)) {
    return obj.items.flatMap((item, i) => creatable(item, [...prefix, 'items', i]));
  }
  return typeof obj.kind === 'string' && typeof obj.apiVersion === 'string' ? [{ obj, prefix }] : [];
}

function toDiagnostics(error: unknown, obj: KubeObject, server = '(no server)'): Diagnostic[] {
  const what = `${obj.apiVersion} ${obj.kind}`;
  const e = error as { code?: unknown; body?: unknown; message?: string };
  if (
    /Unrecognized API version and kind/.test(e.message ?? '') ||
    (e.code === 404 && /resource metadata/.test(e.message ?? ''))
  ) {
    return [
      {
        severity: 'error',
        code: 'server-unknown-kind',
        message: `the cluster does not serve ${what}`,
        hint: 'install the CRD (Spark operator, StarRocks operator, Fluid) or fix apiVersion/kind',
      },
    ];
  }
  if (typeof e.code !== 'number') {
    throw new UserError(
      `cannot reach the cluster at ${server}: ${(e.message ?? String(error)).split('\n')[0]}`,
      'check --kubeconfig and --context, or drop --server to validate offline',
    );
  }
  const status = parseStatus(e.body);
  const reason = status.reason ?? `HTTP${e.code}`;
  if (reason === 'AlreadyExists') {
    return [
      {
        severity: 'info',
        code: 'server-AlreadyExists',
        message: `${what} already exists in the cluster; a dry-run create checks new objects only`,
        hint: 'use kubectl diff to check a change to an existing object',
      },
    ];
  }
  const severity: Severity = 'error';
  const hint = REASON_HINTS[reason] ?? 'read the apiserver message';
  const causes = (status.details?.causes ?? []).filter((c) => c.message);
  if (causes.length) {
    return causes.map((c) => ({
      severity,
      code: `server-${reason}`,
      message: c.message!,
      hint: causeHint(c) ?? hint,
      ...(c.field ? { path: c.field } : {}),
    }));
  }
  return [{ severity, code: `server-${reason}`, message: status.message ?? `HTTP ${e.code}`, hint }];
}

/** The apiserver's cause reasons are specific enough to say what to do. */
function causeHint(c: StatusCause): string | undefined {
  if (c.reason === 'FieldValueRequired' && c.field) return `add ${c.field}`;
  if (c.reason === 'FieldValueNotSupported') return 'use one of the supported values the message lists';
  if (c.reason === 'FieldValueDuplicate') return 'remove the duplicate entry';
  return undefined;
}

function parseStatus(body: unknown): Status {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as Status;
    } catch {
      return { message: body };
    }
  }
  return typeof body === 'object' && body !== null ? (body as Status) : {};
}

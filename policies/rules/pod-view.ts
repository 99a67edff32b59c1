// One view over "things that become pods": Pods, pod templates of workload
// controllers and CronJobs, and the driver/executor of a SparkApplication. Rules about
// volumes, mounts, JVM options and placement read this instead of each shape.
import { isList, type EnvVar, type Volume, type VolumeMount } from '../k8s.js';
import type { Segments } from '../diagnostics.js';
import { podSites } from '../pod-sites.js';
import { SPARK_GROUP, groupOf, isObject, type KubeObject } from './types.js';

export interface Located<T> {
  value: T;
  path: Segments;
}

export interface ContainerView {
  /** For messages: `container "executor"`, `SparkApplication executor`. */
  label: string;
  path: Segments;
  name?: string;
  init: boolean;
  image?: Located<string>;
  env: EnvVar[];
  envPath: Segments;
  volumeMounts: VolumeMount[];
  mountsPath: Segments;
  /** Strings a JVM takes `-D` options from: env values, args, command, javaOptions, extraJavaOptions. */
  optionTexts: Located<string>[];
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
}

export interface PodView {
  label: string;
  /** True for a SparkApplication driver/executor section (not a pod spec: cores/memory instead of resources). */
  sparkApplication: boolean;
  /** `driver` / `executor` from the `spark-role` label or the SparkApplication section. */
  sparkRole?: 'driver' | 'executor';
  labels: Record<string, string>;
  volumes: Volume[];
  volumesPath: Segments;
  containers: ContainerView[];
  /** Each nodeSelector that applies (SparkApplication: the app-wide one and the role's). */
  nodeSelectors: Located<Record<string, string>>[];
  affinity?: Located<any>;
}

/**
 * The SparkApplicationSpec of a SparkApplication, or of a ScheduledSparkApplication
 * (nested in `spec.template`), and its path; undefined for anything else.
 */
export function sparkApplicationSpec(obj: KubeObject): { spec: Record<string, any>; base: Segments } | undefined {
  if (groupOf(obj.apiVersion ?? '') !== SPARK_GROUP) return undefined;
  const nested = obj.kind === 'ScheduledSparkApplication';
  if (!nested && obj.kind !== 'SparkApplication') return undefined;
  const spec = nested ? obj.spec?.template : obj.spec;
  return isObject(spec) ? { spec, base: nested ? ['spec', 'template'] : ['spec'] } : undefined;
}

// Five rules read the pod views of each object: inside withViewCache they are built once.
let viewCache: WeakMap<object, PodView[]> | undefined;

/** Runs `check` with the pod views of each object built once. The objects must not change meanwhile. */
export function withViewCache<T>(check: () => T): T {
  const outer = viewCache;
  viewCache = new WeakMap();
  try {
    return check();
  } finally {
    viewCache = outer;
  }
}

export function podViews(obj: KubeObject): PodView[] {
  const cached = viewCache?.get(obj);
  if (cached) return cached;
  const views = buildPodViews(obj);
  viewCache?.set(obj, views);
  return views;
}

function buildPodViews(obj: KubeObject): PodView[] {
  const kind = obj.kind ?? '';
  if (groupOf(obj.apiVersion ?? '') === SPARK_GROUP) {
    const app = sparkApplicationSpec(obj);
    return app ? sparkViews(app.spec, app.base) : [];
  }
  // Lists are split into their items by the caller; here only the object's own pods count.
  if (isList(obj)) return [];
  return podSites(obj).map((site) =>
    templateView(site.pod, site.path, site.isPod ? `Pod ${obj.metadata?.name ?? ''}`.trim() : `${kind} pod template`),
  );
}

const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const strings = (v: unknown): string[] => list<unknown>(v).filter((s): s is string => typeof s === 'string');

function templateView(pod: any, base: Segments, label: string): PodView {
  const spec = isObject(pod?.spec) ? pod.spec : {};
  const labels = isObject(pod?.metadata?.labels) ? pod.metadata.labels : {};
  const role = labels['spark-role'];
  const containers = (['initContainers', 'containers'] as const).flatMap((field) =>
    list<any>(spec[field]).map((c, i) => containerView(c, [...base, 'spec', field, i], field === 'initContainers')),
  );
  return {
    label,
    sparkApplication: false,
    ...(role === 'driver' || role === 'executor' ? { sparkRole: role } : {}),
    labels,
    volumes: list<Volume>(spec.volumes),
    volumesPath: [...base, 'spec', 'volumes'],
    containers,
    nodeSelectors: isObject(spec.nodeSelector)
      ? [{ value: spec.nodeSelector, path: [...base, 'spec', 'nodeSelector'] }]
      : [],
    ...(isObject(spec.affinity) ? { affinity: { value: spec.affinity, path: [...base, 'spec', 'affinity'] } } : {}),
  };
}

function containerView(c: any, path: Segments, init: boolean): ContainerView {
  const env = list<EnvVar>(c?.env);
  const optionTexts: Located<string>[] = [
    ...env.flatMap((e, i) =>
      typeof e?.value === 'string' ? [{ value: e.value, path: [...path, 'env', i, 'value'] }] : [],
    ),
    ...(['command', 'args'] as const).flatMap((f) =>
      strings(c?.[f]).map((value, i) => ({ value, path: [...path, f, i] })),
    ),
  ];
  return {
    label: `container "${c?.name ?? '?'}"`,
    path,
    ...(typeof c?.name === 'string' ? { name: c.name } : {}),
    init,
    ...(typeof c?.image === 'string' ? { image: { value: c.image, path: [...path, 'image'] } } : {}),
    env,
    envPath: [...path, 'env'],
    volumeMounts: list<VolumeMount>(c?.volumeMounts),
    mountsPath: [...path, 'volumeMounts'],
    optionTexts,
    ...(isObject(c?.resources) ? { resources: c.resources } : {}),
  };
}

function sparkViews(spec: Record<string, any>, base: Segments): PodView[] {
  return (['driver', 'executor'] as const).map((role) => {
    const part = isObject(spec[role]) ? spec[role] : {};
    const path = [...base, role];
    const container = containerView(part, path, false);
    container.label = `SparkApplication ${role}`;
    delete container.name;
    if (typeof part.image !== 'string' && typeof spec.image === 'string')
      container.image = { value: spec.image, path: [...base, 'image'] };
    if (typeof part.javaOptions === 'string')
      container.optionTexts.push({ value: part.javaOptions, path: [...path, 'javaOptions'] });
    for (const [k, v] of Object.entries(isObject(part.envVars) ? part.envVars : {})) {
      if (typeof v === 'string') container.optionTexts.push({ value: v, path: [...path, 'envVars', k] });
    }
    const extra = `spark.${role}.extraJavaOptions`;
    if (typeof spec.sparkConf?.[extra] === 'string')
      container.optionTexts.push({ value: spec.sparkConf[extra], path: [...base, 'sparkConf', extra] });
    const nodeSelectors: Located<Record<string, string>>[] = [];
    if (isObject(spec.nodeSelector)) nodeSelectors.push({ value: spec.nodeSelector, path: [...base, 'nodeSelector'] });
    if (isObject(part.nodeSelector)) nodeSelectors.push({ value: part.nodeSelector, path: [...path, 'nodeSelector'] });
    return {
      label: `SparkApplication ${role}`,
      sparkApplication: true,
      sparkRole: role,
      labels: isObject(part.labels) ? part.labels : {},
      volumes: list<Volume>(spec.volumes),
      volumesPath: [...base, 'volumes'],
      containers: [container],
      nodeSelectors,
      ...(isObject(part.affinity) ? { affinity: { value: part.affinity, path: [...path, 'affinity'] } } : {}),
    };
  });
}

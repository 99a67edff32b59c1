// SparkApplication checks the schema cannot express: CPU limit below the cores asked
// for (the apiserver rejects the driver or executor pod) and no image at all.
import { diagnostic, joinPath, type Diagnostic } from '../diagnostics.js';
import { sparkApplicationSpec } from './pod-view.js';
import { parseCpu } from './quantity.js';
import { SPARK_GROUP, groupOf, isObject, type Rule } from './types.js';

const isSparkApp = (kind: string, apiVersion: string): boolean =>
  groupOf(apiVersion) === SPARK_GROUP && (kind === 'SparkApplication' || kind === 'ScheduledSparkApplication');

export const coreLimitRule: Rule = {
  code: 'core-limit-below-cores',
  description:
    'SparkApplication driver/executor coreLimit below cores (or coreRequest): the pod would request more CPU than its limit',
  appliesTo: isSparkApp,
  check(obj) {
    const app = sparkApplicationSpec(obj);
    if (!app) return [];
    return (['driver', 'executor'] as const).flatMap((role): Diagnostic[] => {
      const part = app.spec[role];
      if (!isObject(part) || part.coreLimit === undefined) return [];
      const requestField = part.coreRequest !== undefined ? 'coreRequest' : 'cores';
      const request = parseCpu(part[requestField] ?? 1);
      const limit = parseCpu(part.coreLimit);
      if (request === undefined || limit === undefined || limit >= request) return [];
      return [
        diagnostic(
          'error',
          'core-limit-below-cores',
          `${role} coreLimit ${part.coreLimit} is below ${requestField} ${part[requestField] ?? 1}; the ${role} pod's CPU request would exceed its limit and be rejected`,
          {
            path: joinPath([...app.base, role, 'coreLimit']),
            hint: `raise coreLimit to at least "${Math.round(request * 1000)}m", or lower ${requestField}`,
          },
        ),
      ];
    });
  },
};

export const sparkImageRule: Rule = {
  code: 'spark-image-missing',
  description: 'SparkApplication without an image for the driver or the executors',
  appliesTo: isSparkApp,
  check(obj) {
    const app = sparkApplicationSpec(obj);
    if (!app || typeof app.spec.image === 'string') return [];
    return (['driver', 'executor'] as const)
      .filter((role) => isObject(app.spec[role]) && typeof app.spec[role].image !== 'string')
      .map((role) =>
        diagnostic(
          'error',
          'spark-image-missing',
          `no image for the ${role}: neither spec.image nor ${role}.image is set`,
          {
            path: joinPath([...app.base, role]),
            hint: 'set spec.image (e.g. apache/spark:3.5.1), or image on both driver and executor',
          },
        ),
      );
  },
};

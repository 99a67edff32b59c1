// Resource schemas as a rule: required fields, enums, types and misspelt fields of
// the resources graphdata knows, with did-you-mean hints.
import { diagnostic, joinPath, type Diagnostic } from '../diagnostics.js';
import { schemasFor } from '../resource-schemas/index.js';
import { QUANTITY_PATTERN } from '../resource-schemas/common.js';
import { SPARK_MEMORY_PATTERN } from '../resource-schemas/spark-application.js';
import { checkSchema } from '../schema-check.js';
import type { Rule } from './types.js';

// Pattern errors print a regular expression; say what is expected instead.
const PATTERN_HINTS: Record<string, string> = {
  [QUANTITY_PATTERN]: 'write a Kubernetes quantity such as 500m, 2, 8Gi',
  [SPARK_MEMORY_PATTERN]: 'write a Spark size such as 512m or 4g',
};

function polish(d: Diagnostic): Diagnostic {
  if (d.code === 'schema-additionalProperties' && !d.hint?.startsWith('did you mean')) {
    // No close match: perhaps a field of a newer operator release, so warn rather than fail.
    return {
      ...d,
      severity: 'warning',
      message: `${d.message}: not a field graphdata knows for this resource`,
      hint: `check the spelling; ${d.hint ?? ''}`.trim(),
    };
  }
  if (d.code === 'schema-pattern') {
    const hint = Object.entries(PATTERN_HINTS).find(([pattern]) => d.message.includes(pattern))?.[1];
    if (hint)
      return { ...d, message: d.message.replace(/ does not match .*$/, ' is not in the expected format'), hint };
  }
  return d;
}

export const schemaRule: Rule = {
  code: 'schema',
  description:
    'required fields, enums, types and misspelt field names of SparkApplication, StarRocksCluster, ComputeNodeGroup, Fluid Dataset/AlluxioRuntime, HPA and pods',
  appliesTo: (kind, apiVersion) => schemasFor(kind, apiVersion).length > 0,
  check(obj) {
    return schemasFor(obj.kind ?? '', obj.apiVersion ?? '').flatMap((entry): Diagnostic[] => {
      let value: unknown = obj;
      for (const key of entry.at) value = (value as Record<string, unknown> | undefined)?.[key];
      if (value === undefined || value === null) {
        return entry.required
          ? [
              diagnostic('error', 'schema-required', `${joinPath([...entry.at])} is missing`, {
                ...(entry.at.length > 1 ? { path: joinPath(entry.at.slice(0, -1)) } : {}),
                hint: `add ${joinPath([...entry.at])}; \`kubectl graphdata scaffold\` writes a complete example`,
              }),
            ]
          : [];
      }
      // Our schemas carry no defaults, so ajv leaves the object as it is.
      return checkSchema(entry.schema, value, { basePath: [...entry.at], codePrefix: 'schema' }).map(polish);
    });
  },
};

// Kind → builder. Loaded by `scaffold` inside run(), never at start-up.
import { scaffoldCn } from './cn.js';
import { scaffoldDataset } from './dataset.js';
import { scaffoldGraphscope } from './graphscope.js';
import type { ScaffoldKind } from './kinds.js';
import { scaffoldPolicy } from './policy.js';
import { scaffoldSpark } from './spark.js';
import { scaffoldStarRocksCluster } from './starrocks-cluster.js';
import type { ScaffoldBuilder } from './types.js';

export const BUILDERS: Record<ScaffoldKind, ScaffoldBuilder> = {
  spark: scaffoldSpark,
  cn: scaffoldCn,
  'starrocks-cluster': scaffoldStarRocksCluster,
  dataset: scaffoldDataset,
  graphscope: scaffoldGraphscope,
  policy: scaffoldPolicy,
};

export type { ScaffoldFlags, ScaffoldResult } from './types.js';

// Fluid data.fluid.io/v1alpha1: Dataset and AlluxioRuntime.
import { bool, closed, enumOf, int, known, quantity, str, strList, stringMap, type Schema } from './common.js';

const mount: Schema = {
  type: 'object',
  required: ['mountPoint'],
  properties: {
    mountPoint: { type: 'string', minLength: 5 },
    name: str,
    path: str,
    options: stringMap,
    readOnly: bool,
    shared: bool,
  },
};

export const datasetSpecSchema: Schema = closed(
  known(
    [
      'accessModes',
      'dataRestoreLocation',
      'mounts',
      'nodeAffinity',
      'owner',
      'placement',
      'runtimes',
      'sharedEncryptOptions',
      'sharedOptions',
      'tolerations',
    ],
    {
      mounts: { type: 'array', minItems: 1, items: mount },
      placement: enumOf('Exclusive', 'Shared', ''),
      accessModes: {
        type: 'array',
        items: enumOf('ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'),
      },
      sharedOptions: stringMap,
    },
  ),
);

/** master / worker / fuse / jobMaster / jobWorker: properties are strings like everywhere in Alluxio. */
const component: Schema = {
  type: 'object',
  properties: { properties: stringMap, jvmOptions: strList, nodeSelector: stringMap, replicas: int(0) },
};

const level: Schema = {
  type: 'object',
  required: ['mediumtype'],
  properties: {
    mediumtype: enumOf('MEM', 'SSD', 'HDD'),
    path: str,
    quota: quantity,
    quotaList: str,
    high: str,
    low: str,
  },
};

export const alluxioRuntimeSpecSchema: Schema = closed(
  known(
    [
      'alluxioVersion',
      'apiGateway',
      'data',
      'disablePrometheus',
      'fuse',
      'hadoopConfig',
      'imagePullSecrets',
      'initUsers',
      'jobMaster',
      'jobWorker',
      'jvmOptions',
      'management',
      'master',
      'podMetadata',
      'properties',
      'replicas',
      'runAs',
      'tieredstore',
      'volumes',
      'worker',
    ],
    {
      alluxioVersion: closed({ image: str, imageTag: str, imagePullPolicy: enumOf('Always', 'IfNotPresent', 'Never') }),
      properties: stringMap,
      jvmOptions: strList,
      replicas: int(0),
      master: component,
      worker: component,
      fuse: component,
      jobMaster: component,
      jobWorker: component,
      tieredstore: { type: 'object', properties: { levels: { type: 'array', items: level } } },
    },
  ),
);

// HorizontalPodAutoscaler autoscaling/v2 (v2beta2 has the same shape; the removed-api rule flags it).
import { closed, hpaMetric, int, str, type Schema } from './common.js';

export const hpaSpecSchema: Schema = closed(
  {
    scaleTargetRef: {
      type: 'object',
      required: ['kind', 'name'],
      properties: { apiVersion: str, kind: str, name: str },
    },
    minReplicas: int(0),
    maxReplicas: int(1),
    metrics: { type: 'array', items: hpaMetric },
    behavior: { type: 'object' },
  },
  { required: ['scaleTargetRef', 'maxReplicas'] },
);

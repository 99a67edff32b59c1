// Pods and pod templates: containers, volumes, nodeSelector as strings.
import { podSpec, type Schema } from './common.js';

export const podSpecSchema: Schema = podSpec;

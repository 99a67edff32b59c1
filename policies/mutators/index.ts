// Mutators in the order they run. Images runs last so it also sees containers the
// others added.
import { clientConfig } from './client-config.js';
import { clientJar } from './client-jar.js';
import { domainSocket } from './domain-socket.js';
import { images } from './images.js';
import { placement } from './placement.js';
import type { Mutator } from './types.js';

export const MUTATORS: readonly Mutator[] = [clientJar, clientConfig, domainSocket, placement, images];
export type { Action, Mutator, MutationContext } from './types.js';

// How the event loop's garbage collector is told about the Buffers it churns through, and
// whether its heap has the limit the memory plan counts on.
//
// Under large reviews the event loop reads megabytes a second of TLS plaintext, each read a
// short-lived Buffer held outside the JS heap. Node 24's V8 (13.x) starts a full collection
// whenever such external bytes grow past a fixed limit, however small the heap: with 32
// reviews of 3 MiB in flight, 58 full collections in 15 s on a 17 MB heap, a 5 ms pause
// each, and each pause is a small review's p99. Its flag
// --external-memory-accounted-in-global-limit counts those bytes inside the heap's own
// global limit instead: 30-41 full collections and 129-202 ms of pauses (from 277 ms) in
// such runs. V8 11 and 12 (Node 20, 22) have neither the eager trigger (about a quarter as
// many full collections in the same Buffer loop) nor the flag, and reject it (a test holds
// the version check to the flag).
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { MAIN_HEAP_MB } from '../common/memory-budget.js';

export const EXTERNAL_MEMORY_FLAG = '--external-memory-accounted-in-global-limit';

/** Whether this V8 has EXTERNAL_MEMORY_FLAG: from 13.x on. */
export function hasExternalMemoryFlag(v8Version: string = process.versions.v8): boolean {
  return Number(v8Version.split('.')[0]) >= 13;
}

/** Called once, before the server reads a body. */
export function tuneGarbageCollection(): void {
  if (hasExternalMemoryFlag()) setFlagsFromString(EXTERNAL_MEMORY_FLAG);
}

/**
 * Said at start when this process's heap is not held to MAIN_HEAP_MB (started as `node
 * dist/webhook/main.js`, without the image's or `npm start`'s flags): the memory plan counts
 * on it, and without it the heap grows with busy connections past the main process's share.
 */
export function mainHeapWarning(heapLimitBytes: number = getHeapStatistics().heap_size_limit): string | undefined {
  // heap_size_limit is the old generation's limit plus the young generation's: take off the
  // most the young one has by default (three 16 MB semi-spaces).
  const oldSpaceMb = heapLimitBytes / 1048576 - 3 * 16;
  if (oldSpaceMb <= MAIN_HEAP_MB) return undefined;
  return `the heap is not limited to ${MAIN_HEAP_MB} MB, which the memory plan counts on: run node --max-old-space-size=${MAIN_HEAP_MB} (the image and npm start do)`;
}

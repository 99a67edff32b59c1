// How the event loop's garbage collector is told about the Buffers it churns through.
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
import { setFlagsFromString } from 'node:v8';

export const EXTERNAL_MEMORY_FLAG = '--external-memory-accounted-in-global-limit';

/** Whether this V8 has EXTERNAL_MEMORY_FLAG: from 13.x on. */
export function hasExternalMemoryFlag(v8Version: string = process.versions.v8): boolean {
  return Number(v8Version.split('.')[0]) >= 13;
}

/** Called once, before the server reads a body. */
export function tuneGarbageCollection(): void {
  if (hasExternalMemoryFlag()) setFlagsFromString(EXTERNAL_MEMORY_FLAG);
}

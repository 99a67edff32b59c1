// Part of `npm run build`: decides whether a build step's outputs are still current, so a
// restart (`npm start` builds first) redoes only what changed. A step records when it
// started and the files it read (esbuild's metafile lists exactly the modules a bundle
// holds); the next run skips the step while its outputs exist and no input changed since.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';

/**
 * Why the step must run again, or undefined when its outputs are current: an output or the
 * record is missing, or an input is missing or was modified at or after the recorded start
 * (a file saved while the step ran counts as changed).
 */
export function staleReason(recordFile, outputs) {
  const missing = outputs.find((file) => !existsSync(file));
  if (missing) return `${missing} is missing`;
  let record;
  try {
    record = JSON.parse(readFileSync(recordFile, 'utf8'));
  } catch {
    return `${recordFile} is missing or unreadable`;
  }
  const { startedMs, inputs } = record ?? {};
  if (typeof startedMs !== 'number' || !Array.isArray(inputs) || inputs.length === 0)
    return `${recordFile} records no start time or inputs`;
  for (const input of inputs) {
    if (!existsSync(input)) return `${input} is gone`;
    if (statSync(input).mtimeMs >= startedMs) return `${input} changed`;
  }
  return undefined;
}

/** Records when a step started and the files it read; written once its outputs are. */
export function recordInputs(recordFile, startedMs, inputs) {
  writeFileSync(recordFile, `${JSON.stringify({ startedMs, inputs: [...new Set(inputs)].sort() }, null, 1)}\n`);
}

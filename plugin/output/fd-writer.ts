// The executable's standard output and error, written with fs.writeSync on the file
// descriptor instead of through process.stdout/process.stderr: creating those loads Node's
// stream modules (a file's SyncWriteStream, a pipe's or terminal's socket), about 2 ms of a
// short command's start-up on Node 22 (docs/benchmarks.md). Commands only call write() and
// read isTTY, so that is all this offers. Every write is finished before write() returns:
// nothing is left queued when the process exits, and output keeps its order.
import { fstatSync, writeSync } from 'node:fs';

/** What a command writes its output to (context.stdout and context.stderr). */
export interface OutputWriter {
  write(chunk: string | Uint8Array): boolean;
  readonly isTTY: boolean;
}

/** A pause while a non-blocking descriptor's buffer is full (EAGAIN), instead of spinning. */
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * A writer on `fd`. `onClosed` runs when the reader has gone (EPIPE: `… | head -1`), and
 * must end the process: nothing more can be said.
 */
export function fdWriter(fd: number, onClosed: () => never): OutputWriter {
  let tty: boolean | undefined;
  return {
    write(chunk) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      let done = 0;
      while (done < bytes.length) {
        try {
          done += writeSync(fd, bytes, done, bytes.length - done);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'EPIPE') onClosed();
          if (code !== 'EAGAIN') throw error;
          Atomics.wait(pause, 0, 0, 1);
        }
      }
      return true;
    },
    // Asked only to colour output. A terminal is a character device; only then is `tty`
    // (which loads `net` and the stream modules) asked which kind (/dev/null is one too).
    get isTTY() {
      tty ??= isCharacterDevice(fd) && process.getBuiltinModule('node:tty').isatty(fd);
      return tty;
    },
  };
}

function isCharacterDevice(fd: number): boolean {
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}

// Child processes of the test control plane: log capture, and the guarantee that none
// outlives the test run, whether it ends normally, fails in setup, or is interrupted.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

const TAIL_LINES = 40;

// ---- emergency cleanup ------------------------------------------------------------
// Vitest answers SIGINT/SIGTERM with process.exit() and never calls globalSetup's
// teardown, so cleanup must also run on signals and 'exit' (synchronously: kill, rmSync).
const cleanups = new Set<() => void>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function runCleanups(): void {
  // Last registered first, like `defer`: processes die before their temp dir goes.
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      // best effort: the process is exiting anyway
    }
  }
  syncHandlers();
}

function onSignal(signal: NodeJS.Signals): void {
  runCleanups();
  // If nobody else (e.g. vitest) handles this signal, die by it as Node would have.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

let installed = false;
function syncHandlers(): void {
  const want = cleanups.size > 0;
  if (want === installed) return;
  installed = want;
  // Prepend: vitest's own SIGINT/SIGTERM/'exit' listeners call process.exit(), and a
  // process.exit() during 'exit' ends the process before later listeners run.
  const method = want ? 'prependListener' : 'off';
  process[method]('exit', runCleanups);
  for (const s of SIGNALS) process[method](s, onSignal);
}

/** Registers a synchronous cleanup for abnormal exits; returns its unregister function. */
export function onEmergency(fn: () => void): () => void {
  cleanups.add(fn);
  syncHandlers();
  return () => {
    cleanups.delete(fn);
    syncHandlers();
  };
}

// ---- processes ------------------------------------------------------------------------
// Even SIGKILL of the test runner must not orphan etcd/kube-apiserver: where util-linux
// setpriv exists, the kernel kills the child when its parent dies (PR_SET_PDEATHSIG).
// setpriv execs the binary, so the pid we hold is the binary's own.
const hasSetpriv = spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;

export class ManagedProcess {
  readonly exited: Promise<void>;
  exitStatus: string | undefined; // set once the process has exited
  private readonly child: ChildProcess;
  private readonly log: WriteStream;
  private readonly tail: string[] = [];
  private readonly unregister: () => void;

  constructor(
    readonly name: string,
    bin: string,
    args: string[],
    readonly logFile: string,
  ) {
    const [cmd, argv] = hasSetpriv ? ['setpriv', ['--pdeathsig', 'SIGKILL', '--', bin, ...args]] : [bin, args];
    this.log = createWriteStream(logFile);
    this.child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.unregister = onEmergency(() => this.child.kill('SIGKILL'));
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.on('data', (chunk: Buffer) => this.record(chunk));
    }
    this.exited = new Promise((resolve) => {
      const done = (status: string) => {
        this.exitStatus ??= status;
        this.unregister();
        this.log.end();
        resolve();
      };
      this.child.once('error', (err) => done(`failed to start: ${err.message}`));
      this.child.once('exit', (code, signal) => done(signal ? `killed by ${signal}` : `exited with code ${code}`));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  /** The last lines of output, for error messages. */
  logTail(): string {
    return this.tail.join('\n');
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private record(chunk: Buffer): void {
    this.log.write(chunk);
    this.tail.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l.length > 0),
    );
    if (this.tail.length > TAIL_LINES) this.tail.splice(0, this.tail.length - TAIL_LINES);
  }
}

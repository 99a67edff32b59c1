// The start's log, before and after the server's logger exists.
import type { WebhookServer } from './server.js';

/**
 * The webhook's log: until the server (and its logger) exists, JSON lines on stdout as
 * that logger writes them; then the server's logger.
 */
export class WebhookLog {
  private logger: WebhookServer['app']['log'] | undefined;
  /** Set at shutdown: stopping aborts the watches, and an aborted watch reports an error not worth a warning. */
  stopping = false;

  attach(logger: WebhookServer['app']['log']): void {
    this.logger = logger;
  }
  get attached(): boolean {
    return this.logger !== undefined;
  }
  info(obj: object, msg: string): void {
    if (this.logger) this.logger.info(obj, msg);
    else this.line(30, obj, msg);
  }
  warn(obj: object, msg: string): void {
    if (this.logger) this.logger.warn(obj, msg);
    else this.line(40, obj, msg);
  }
  private line(level: 30 | 40, obj: object, msg: string): void {
    process.stdout.write(`${JSON.stringify({ level, time: Date.now(), ...obj, msg })}\n`);
  }
}

// Admission of review bodies into memory, before they are read: each body reserves its
// share of the memory plan (memory-budget.ts) from its Content-Length, or waits, or is
// answered without being read.
//
// Small bodies (under the large-body threshold: nearly every review the apiserver sends)
// take their share at once; with the small share spent they are answered unread. A large
// body has its first 64 KiB read (the request's uid and userInfo.username come before the
// object), then waits for room in a queue that is fair per requesting user: room that
// frees goes to the user with the fewest large reviews in flight. One tenant sending big
// objects therefore waits behind itself, not others, and never takes the small reviews'
// share. A large body still waiting when its time is up (the apiserver gives up after 5 s)
// is answered from its first bytes and the rest is read and dropped, never held.
//
// What a shed review is answered: /mutate admits the pod unchanged with a warning naming
// the overload (fail open, as for any internal error); /validate denies with 429 and a
// message saying the object was not checked and to retry. Without a uid to answer (not in
// the first 64 KiB, or no room even for that), a 429 Status the apiserver shows as it is.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { Readable as ReadableStream } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { POD_OPT_IN_MUTATE_PATH, POD_OPT_IN_VALIDATE_PATH } from '../common/cluster-names.js';
import { failedMutation, mutationRecord, recordMutation } from './mutation.js';
import { sendReviewText } from './review.js';
import { LargeBody, PEEK_BYTES, type PeekedHead, peekHead } from './large-body.js';
import { HELD_FACTOR, type MemoryPlan } from '../common/memory-budget.js';
import type { Metrics } from './metrics.js';
import { recordValidation, validationRecord } from './validation.js';

export interface LoadGuardOptions {
  plan: MemoryPlan;
  /** Bodies of this many bytes or more are large (answered in the admission worker). */
  largeBodyBytes: number;
  /** How long a large body may wait for room, from its arrival; then it is shed. */
  waitMs: number;
  /** Large bodies read or answered at once: the worker answers one at a time, the rest wait fairly. */
  largeInFlight: number;
  /** Large bodies waiting at once (each holds its first 64 KiB); more are shed at once. */
  maxWaiting: number;
  /** How long a /mutate that skipped injection is remembered, for the safety net's message. */
  skippedWindowMs: number;
  now: () => number;
}

export const DEFAULT_GUARD_OPTIONS: Omit<LoadGuardOptions, 'plan' | 'largeBodyBytes'> = {
  waitMs: 2_000,
  largeInFlight: 4,
  maxWaiting: 64,
  skippedWindowMs: 30_000,
  now: () => performance.now(),
};

type Webhook = 'mutate' | 'validate';

interface Waiter {
  user: string;
  need: number;
  grant(granted: boolean): void;
}

const MiB = 1024 * 1024;

export class LoadGuard {
  private readonly opts: LoadGuardOptions;
  private smallHeld = 0;
  private largeHeld = 0;
  private largeCount = 0;
  private readonly largeByUser = new Map<string, number>();
  /** When each user was last granted room, in grants: the least recently served goes first among equals. */
  private readonly lastServed = new Map<string, number>();
  private served = 0;
  /** Waiting large bodies, oldest first; the one granted is the oldest of the least-served user. */
  private readonly waiting: Waiter[] = [];
  private readonly skips: number[] = [];
  /** Large bodies read whole by admitLarge, until the body parser takes them. */
  private readonly largeBodies = new WeakMap<IncomingMessage, LargeBody>();
  /** Reviews answered unread, by webhook: for tests and the log. */
  readonly shed = { mutate: 0, validate: 0 };

  constructor(
    opts: Partial<LoadGuardOptions> & Pick<LoadGuardOptions, 'plan' | 'largeBodyBytes'>,
    private readonly metrics: Metrics,
  ) {
    this.opts = { ...DEFAULT_GUARD_OPTIONS, ...opts };
  }

  /** Bytes held now (times HELD_FACTOR), for tests. */
  held(): { small: number; large: number; waiting: number } {
    return { small: this.smallHeld, large: this.largeHeld, waiting: this.waiting.length };
  }

  /** A /mutate that admitted a pod without injecting it (fail open). */
  noteSkippedMutation(): void {
    this.skips.push(this.opts.now());
    if (this.skips.length > 1_000) this.skips.splice(0, this.skips.length - 1_000);
  }

  /** How many /mutate reviews skipped injection within the window: the safety net says so when it denies. */
  recentlySkipped(): number {
    const since = this.opts.now() - this.opts.skippedWindowMs;
    while (this.skips.length > 0 && this.skips[0]! < since) this.skips.shift();
    return this.skips.length;
  }

  /** fastify's preParsing hook for /mutate and /validate, and their pod-level entries (callback style: no promise for small bodies). */
  readonly preParsing = (
    request: FastifyRequest,
    reply: FastifyReply,
    payload: Readable,
    done: (err: Error | null, payload?: Readable) => void,
  ): void => {
    const route = request.routeOptions.url;
    const webhook: Webhook | undefined =
      route === '/mutate' || route === POD_OPT_IN_MUTATE_PATH
        ? 'mutate'
        : route === '/validate' || route === POD_OPT_IN_VALIDATE_PATH
          ? 'validate'
          : undefined;
    if (!webhook) {
      done(null, payload);
      return;
    }
    const header = request.headers['content-length'];
    const length = header === undefined ? Number.NaN : Number(header);
    // Over the body limit: fastify answers 413 without reading it.
    if (length > this.opts.plan.maxBodyBytes) {
      done(null, payload);
      return;
    }
    if (length < this.opts.largeBodyBytes) {
      const need = length * HELD_FACTOR;
      if (this.smallHeld + need > this.opts.plan.smallBytes) {
        this.shedUnread(reply, webhook, 'small');
        done(null, payload);
        return;
      }
      this.smallHeld += need;
      reply.raw.once('close', () => {
        this.smallHeld -= need;
      });
      done(null, payload);
      return;
    }
    // Without a length, the largest body it may turn out to be.
    const need = (Number.isNaN(length) ? this.opts.plan.maxBodyBytes : length) * HELD_FACTOR;
    this.admitLarge(request, reply, payload, webhook, need).then(
      (next) => done(null, next ?? payload),
      (error: Error) => done(error),
    );
  };

  private async admitLarge(
    request: FastifyRequest,
    reply: FastifyReply,
    payload: Readable,
    webhook: Webhook,
    need: number,
  ): Promise<Readable | undefined> {
    const arrived = this.opts.now() - reply.elapsedTime;
    let closed = false;
    reply.raw.once('close', () => {
      closed = true;
    });
    // The first bytes, from the small share while they wait: who asks, and the uid to answer.
    const peekNeed = 2 * PEEK_BYTES;
    if (this.smallHeld + peekNeed > this.opts.plan.smallBytes) {
      this.shedUnread(reply, webhook, 'small');
      return undefined;
    }
    this.smallHeld += peekNeed;
    let peekHeld = true;
    const releasePeek = () => {
      if (peekHeld) this.smallHeld -= peekNeed;
      peekHeld = false;
    };
    reply.raw.once('close', releasePeek);
    const source = payload[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const chunks: Buffer[] = [];
    let read = 0;
    let ended = false;
    while (read < PEEK_BYTES) {
      const next = await source.next();
      if (next.done) {
        ended = true;
        break;
      }
      chunks.push(next.value);
      read += next.value.length;
    }
    const head = peekHead(Buffer.concat(chunks));
    const user = head?.username ?? `address:${request.ip}`;
    const wait = arrived + this.opts.waitMs - this.opts.now();
    const granted = wait > 0 && (await this.acquire(user, need, wait));
    if (!granted) {
      releasePeek();
      this.shedRead(reply, webhook, head, 'large');
      // The rest is read and dropped, so the connection stays usable; nothing of it is kept.
      if (!ended) void drain(source);
      return undefined;
    }
    // The large share now holds the whole body, the first bytes included.
    releasePeek();
    if (closed) {
      this.release(user, need);
      throw new Error('the client closed the connection while its review waited');
    }
    reply.raw.once('close', () => this.release(user, need));
    // The rest, kept in the chunks it arrives in: the parser hands them on unjoined
    // (large-body.ts says why), and fastify is given an empty stream of the same length.
    let length = read;
    try {
      for (let next = ended ? undefined : await source.next(); next && !next.done; next = await source.next()) {
        length += next.value.length;
        // Only a body without a Content-Length gets here (fastify refuses a longer header).
        if (length > this.opts.plan.maxBodyBytes)
          throw Object.assign(new Error('Request body is too large'), { statusCode: 413 });
        chunks.push(next.value);
      }
    } catch (error) {
      // A client that went away mid-body is a bad request, as fastify's own reader says.
      throw Object.assign(error as Error, { statusCode: (error as { statusCode?: number }).statusCode ?? 400 });
    }
    this.largeBodies.set(request.raw, new LargeBody(chunks));
    return Object.assign(ReadableStream.from([], { objectMode: false }), { receivedEncodedLength: length });
  }

  /** The large body admitLarge read for this request, once: the body parser's, in place of fastify's joined copy. */
  takeLargeBody(request: FastifyRequest): LargeBody | undefined {
    const body = this.largeBodies.get(request.raw);
    this.largeBodies.delete(request.raw);
    return body;
  }

  private fits(need: number): boolean {
    return this.largeCount < this.opts.largeInFlight && this.largeHeld + need <= this.opts.plan.largeBytes;
  }

  private take(user: string, need: number): void {
    this.largeHeld += need;
    this.largeCount++;
    this.largeByUser.set(user, (this.largeByUser.get(user) ?? 0) + 1);
    this.lastServed.delete(user);
    this.lastServed.set(user, this.served++);
    // Only the order matters: forget the users served longest ago.
    if (this.lastServed.size > 10_000) this.lastServed.delete(this.lastServed.keys().next().value!);
  }

  private acquire(user: string, need: number, waitMs: number): Promise<boolean> {
    if (this.waiting.length === 0 && this.fits(need)) {
      this.take(user, need);
      return Promise.resolve(true);
    }
    if (this.waiting.length >= this.opts.maxWaiting) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        user,
        need,
        grant: (granted) => {
          clearTimeout(timer);
          resolve(granted);
        },
      };
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        resolve(false);
      }, waitMs);
      this.waiting.push(waiter);
    });
  }

  private release(user: string, need: number): void {
    this.largeHeld -= need;
    this.largeCount--;
    const count = (this.largeByUser.get(user) ?? 1) - 1;
    if (count > 0) this.largeByUser.set(user, count);
    else this.largeByUser.delete(user);
    this.pump();
  }

  /**
   * Grants room, while it fits, to the user with the fewest large bodies in flight; among
   * equals the one served least recently, then the oldest waiter: a tenant sending many
   * waits behind the others' turns, not in front of them.
   */
  private pump(): void {
    while (this.waiting.length > 0) {
      let best = 0;
      for (let i = 1; i < this.waiting.length; i++) if (this.before(this.waiting[i]!, this.waiting[best]!)) best = i;
      const waiter = this.waiting[best]!;
      // The chosen one waits for room rather than be overtaken: a big body is not starved by smaller ones.
      if (!this.fits(waiter.need)) return;
      this.waiting.splice(best, 1);
      this.take(waiter.user, waiter.need);
      waiter.grant(true);
    }
  }

  private before(a: Waiter, b: Waiter): boolean {
    const inFlight = (w: Waiter) => this.largeByUser.get(w.user) ?? 0;
    if (inFlight(a) !== inFlight(b)) return inFlight(a) < inFlight(b);
    const served = (w: Waiter) => this.lastServed.get(w.user) ?? -1;
    return served(a) < served(b);
  }

  private reason(share: 'small' | 'large'): string {
    const { plan } = this.opts;
    const bytes = share === 'small' ? plan.smallBytes : plan.largeBytes;
    return `graphdata is over its memory budget for ${share} reviews (${Math.round(bytes / MiB)} MiB of its ${Math.round(plan.limitBytes / MiB)} MiB limit are in use)`;
  }

  /** Answered from the first bytes: a review for its uid, else the Status below. */
  private shedRead(
    reply: FastifyReply,
    webhook: Webhook,
    head: PeekedHead | undefined,
    share: 'small' | 'large',
  ): void {
    if (!head) {
      this.shedUnread(reply, webhook, share);
      return;
    }
    this.shed[webhook]++;
    const error = new Error(this.reason(share));
    if (webhook === 'mutate') {
      this.noteSkippedMutation();
      const record = mutationRecord(head, { ...failedMutation(head.uid, error), outcome: 'shed' }, 0);
      recordMutation(this.metrics, reply.log, record);
      void sendReviewText(reply, record.reply);
      return;
    }
    const record = validationRecord(
      head,
      {
        response: {
          uid: head.uid,
          allowed: false,
          status: {
            code: 429,
            reason: 'TooManyRequests',
            message: `${error.message}; this object was not checked and is not admitted: retry in a few seconds`,
          },
        },
        outcome: 'shed',
        error,
      },
      0,
    );
    recordValidation(this.metrics, reply.log, record);
    void sendReviewText(reply, record.reply);
  }

  /**
   * No uid to answer with: a 429 whose body is a Kubernetes Status, which the apiserver
   * shows as it is ("failed calling webhook …: <message>") and applies the failurePolicy.
   */
  private shedUnread(reply: FastifyReply, webhook: Webhook, share: 'small' | 'large'): void {
    this.shed[webhook]++;
    if (webhook === 'mutate') this.noteSkippedMutation();
    this.metrics.requests.inc({ webhook, outcome: 'shed', dry_run: 'unknown' });
    const message = `${this.reason(share)}; retry in a few seconds`;
    reply.log.warn({ webhook, reason: message }, 'review shed unread');
    void reply.code(429).header('retry-after', '1').send({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason: 'TooManyRequests',
      code: 429,
    });
  }
}

async function drain(source: AsyncIterator<Buffer>): Promise<void> {
  try {
    while (!(await source.next()).done);
  } catch {
    // The client went away: nothing to drop.
  }
}

// A huge admission body (a pod with 100k containers: tens of milliseconds to parse and as
// many to inject) is not parsed on the event loop: the body parser hands it on as bytes and
// the route has it parsed and answered in the admission worker (admission-pool.ts), so
// /healthz and other requests keep being answered meanwhile.
import { createScanner, SyntaxKind } from 'jsonc-parser';
import type { ValidationHead } from './validation.js';

/** From this size on, a body is parsed, checked and answered in the admission worker. */
export const LARGE_BODY = 256 * 1024;

/**
 * A large body, unparsed: what the body parser gives the routes instead of JSON. Kept as
 * the chunks it was read in and written to the worker as they are: joining 3 MiB on the
 * event loop took it 1.6 ms a body, and doubled the Buffers its collector had to count.
 */
export class LargeBody {
  readonly chunks: readonly Buffer[];
  readonly byteLength: number;

  constructor(chunks: Buffer | readonly Buffer[]) {
    this.chunks = Buffer.isBuffer(chunks) ? [chunks] : chunks;
    this.byteLength = this.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  /** Its first `max` bytes at most, joined (a copy of that much only). */
  head(max: number): Buffer {
    const first: Buffer[] = [];
    let length = 0;
    for (const chunk of this.chunks) {
      if (length >= max) break;
      first.push(chunk);
      length += chunk.length;
    }
    const joined = first.length === 1 ? first[0]! : Buffer.concat(first, length);
    return joined.subarray(0, Math.min(max, joined.length));
  }
}

/** What peekHead reads: the head, and who asked (request.userInfo.username, written before the object). */
export interface PeekedHead extends ValidationHead {
  username?: string;
}

/** How much of a body peekHead reads: the apiserver writes the request's uid and names before the object. */
export const PEEK_BYTES = 64 * 1024;

/**
 * The request's uid, names, operation and kind, read from the first PEEK_BYTES of an
 * unparsed review, or undefined without a uid there. For answering a review that ran out
 * of time before the worker read it: a bounded scan, never a parse of the whole body on
 * the event loop. The scan ends at request.object once the uid and username are known
 * (the apiserver writes them before it), so `dryRun`, written after the object, is then
 * 'unknown' (absent from a request that closes within the prefix: false, as parseReview
 * reads it). Nothing here is checked; a malformed body gets whatever the prefix says.
 */
export function peekHead(bytes: Uint8Array): PeekedHead | undefined {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, PEEK_BYTES)).toString();
  const scanner = createScanner(text, true);
  const head: Partial<PeekedHead> & Pick<ValidationHead, 'kind' | 'isDryRun'> = { kind: '', isDryRun: 'unknown' };
  // Depth 1 is the review, 2 the request, 3 request.kind; `path` holds the key of each open object.
  const path: (string | undefined)[] = [];
  let key: string | undefined;
  let expectKey = false;
  const at = (...keys: string[]) => path.length === keys.length && keys.every((k, i) => path[i] === k);
  for (let token = scanner.scan(); token !== SyntaxKind.EOF; token = scanner.scan()) {
    switch (token) {
      case SyntaxKind.OpenBraceToken:
      case SyntaxKind.OpenBracketToken:
        path.push(token === SyntaxKind.OpenBraceToken ? (key ?? '') : undefined);
        expectKey = token === SyntaxKind.OpenBraceToken;
        key = undefined;
        break;
      case SyntaxKind.CloseBraceToken:
      case SyntaxKind.CloseBracketToken:
        path.pop();
        // The request object closed: everything it says has been read.
        if (path.length === 1 && head.uid) {
          if (head.isDryRun === 'unknown') head.isDryRun = false;
          return head as PeekedHead;
        }
        break;
      case SyntaxKind.CommaToken:
        expectKey = path[path.length - 1] !== undefined;
        key = undefined;
        break;
      case SyntaxKind.ColonToken:
        expectKey = false;
        break;
      case SyntaxKind.StringLiteral:
      case SyntaxKind.TrueKeyword:
      case SyntaxKind.FalseKeyword: {
        if (expectKey) {
          key = scanner.getTokenValue();
          expectKey = false;
          // The object (most of the body) follows; the apiserver writes all peekHead wants
          // before it. Scanning it cost about 1 ms of the event loop per large review.
          if (key === 'object' && head.uid && head.username !== undefined && at('', 'request'))
            return head as PeekedHead;
          break;
        }
        const value = token === SyntaxKind.StringLiteral ? scanner.getTokenValue() : token === SyntaxKind.TrueKeyword;
        if (at('', 'request') && key !== undefined) {
          if (key === 'dryRun' && typeof value === 'boolean') head.isDryRun = value;
          else if (typeof value === 'string' && (key === 'uid' || key === 'name' || key === 'namespace'))
            head[key] = value;
          else if (typeof value === 'string' && key === 'operation') head.operation = value;
        } else if (at('', 'request', 'kind') && key === 'kind' && typeof value === 'string') head.kind = value;
        else if (at('', 'request', 'userInfo') && key === 'username' && typeof value === 'string')
          head.username = value;
        key = undefined;
        break;
      }
      default:
        key = undefined;
    }
  }
  return head.uid ? (head as PeekedHead) : undefined;
}

// Connection slots, kept for clients that use them. At most `max` connections are open;
// when one more arrives, the oldest connection that has not yet begun a request (still
// in its TLS handshake, or handshaken and silent) is closed to make room, instead of the
// new one being refused as Node's server.maxConnections would. A flood of connections
// that never speak (400/s of raw TCP filled all 1,024 slots for their 5 s handshake
// timeout) then only ever evicts itself: the apiserver's new connection finishes its
// handshake and sends its review within milliseconds, long before it is the oldest
// silent one, and its keep-alive connections, having served requests, are never evicted.
// What this does not stop, a flood that completes requests, is for the NetworkPolicy
// (`install --allow-from`) and docs/webhook.md#connection-floods.
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';

export class ConnectionGuard {
  private open = 0;
  /** Connections that have not begun a request, oldest first (a Set keeps insertion order). */
  private readonly silent = new Set<Socket>();
  /** Connections closed to make room, for tests and the log. */
  evicted = 0;

  constructor(
    server: HttpsServer,
    private readonly max: number,
  ) {
    server.on('connection', (socket: Socket) => this.accept(socket));
    server.on('request', (request: { socket: Socket }) => {
      // The request's socket is the TLS one; the slot is its underlying TCP socket's.
      const tls = request.socket as Socket & { _parent?: Socket };
      this.silent.delete(tls._parent ?? tls);
    });
  }

  private accept(socket: Socket): void {
    this.open++;
    this.silent.add(socket);
    socket.once('close', () => {
      this.open--;
      this.silent.delete(socket);
    });
    if (this.open <= this.max) return;
    // The oldest silent one; the new one itself when every other has served a request.
    const oldest = this.silent.values().next().value ?? socket;
    this.silent.delete(oldest);
    this.evicted++;
    oldest.destroy();
  }
}

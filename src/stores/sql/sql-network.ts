import { Socket, connect, type NetConnectOpts } from 'node:net';

export { NoReplyError, withTimeout } from '../no-reply.js';

/** Default bound on one statement's round trip, in ms (option `statementTimeout`). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
/** Idle time before TCP keepalive probes start on a store's sockets. */
export const KEEPALIVE_DELAY_MS = 30_000;
/**
 * How long a socket the driver has ended may wait for the server to close its side. A server that
 * is there closes at once; one behind a half-open connection never does, and the socket would stay
 * open (keeping the process alive) until the OS gives up on it.
 */
const HALF_CLOSE_GRACE_MS = 2_000;

/**
 * The TCP sockets of a pool the store created: each with keepalive, destroyed when it has been
 * ended but not closed for a while, and all destroyed by `destroyAll` when a close gets no reply.
 * Drivers take them through their `stream` option.
 */
export class SocketTracker {
  private readonly sockets = new Set<Socket>();

  /** A socket not yet connected (pg connects it itself). */
  create(): Socket {
    const socket = new Socket();
    this.track(socket);
    return socket;
  }

  /** A socket connecting to `options` (mysql2 expects its stream connected). */
  connect(options: NetConnectOpts): Socket {
    const socket = connect(options);
    socket.setNoDelay(true);
    this.track(socket);
    return socket;
  }

  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.setKeepAlive(true, KEEPALIVE_DELAY_MS);
    socket.once('close', () => this.sockets.delete(socket));
    socket.once('finish', () => setTimeout(() => socket.destroy(), HALF_CLOSE_GRACE_MS).unref());
  }
}

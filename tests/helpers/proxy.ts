import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** One client connection through the proxy and its upstream twin. */
interface Pair {
  client: Socket;
  upstream: Socket | null;
  /** Set once blackholed: a half-open connection never comes back, even after `forward()`. */
  dead: boolean;
}

/**
 * A TCP proxy on 127.0.0.1 in front of a database, to cut the connection and restore it on the
 * same port: a database outage without stopping the shared server. `blackhole()` makes the network
 * go silent instead: every socket stays open, nothing is forwarded and nothing is refused or reset
 * (a half-open connection, as a dead NAT entry or a pulled cable leaves it).
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly pairs = new Set<Pair>();
  private silent = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async open(): Promise<number> {
    // Half-open allowed: Node would otherwise answer a FIN with its own, as no dead peer does.
    const server = createServer({ allowHalfOpen: true }, (client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  /**
   * Stops forwarding without closing anything: bytes sent either way are read and dropped, and new
   * connections are accepted and then ignored. The connections open now stay dead for good.
   */
  blackhole(): void {
    this.silent = true;
    for (const pair of this.pairs) this.silence(pair);
  }

  /** Forwards new connections again; the ones blackholed stay silent, as half-open ones do. */
  forward(): void {
    this.silent = false;
  }

  /** Stops listening and cuts every open connection, as a crashed server would. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream?.destroy();
    }
    this.pairs.clear();
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const pair: Pair = { client, upstream: null, dead: false };
    this.pairs.add(pair);
    const drop = () => {
      client.destroy();
      pair.upstream?.destroy();
      this.pairs.delete(pair);
    };
    client.on('error', drop);
    client.on('close', drop);
    if (this.silent) {
      this.silence(pair);
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    pair.upstream = upstream;
    upstream.on('error', drop);
    upstream.on('close', drop);
    client.pipe(upstream).pipe(client);
  }

  private silence(pair: Pair): void {
    if (pair.dead) return;
    pair.dead = true;
    const { client, upstream } = pair;
    client.unpipe();
    upstream?.unpipe();
    // Keep reading, so neither side sees back-pressure: the bytes are lost in the network.
    for (const socket of [client, upstream]) {
      if (socket === null) continue;
      socket.removeAllListeners('data');
      socket.on('data', () => undefined);
      socket.resume();
    }
  }
}

/** A server that accepts connections and never answers: a database that hangs. */
export async function blackHole(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

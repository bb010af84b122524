import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a database, for fault tests: `cut()` drops every open
 * connection and refuses new ones (the database "goes down"), `stallAt()` keeps connections
 * open but stops passing bytes (a host that vanished, a network that drops packets),
 * `restore()` lets everything through again.
 */
export interface TcpProxy {
  port: number;
  cut(): void;
  /**
   * Drops the open connections but keeps accepting new ones (like pg_terminate_backend for
   * all). `close` ends them as a server would (FIN); `abort` resets them (RST), as a failover
   * or a middlebox does, which the client sees as ECONNRESET.
   */
  resetConnections(how?: 'close' | 'abort'): void;
  /**
   * The first client chunk that contains `marker` still reaches the database; after it nothing
   * more passes in either direction, on any connection, until `restore()`, which delivers what
   * was held. The marked statement thus runs while its connection goes silent. The marker
   * should be a parameter value (a record's id): a prepared statement's text is sent once
   * per connection, its parameters every time.
   */
  stallAt(marker: string): void;
  /** Resolves once the marked chunk has passed and the stall has begun. */
  whenStalled(): Promise<void>;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let down = false;
  let stallMarker: Buffer | undefined;
  let stalled = false;
  let held: Array<() => void> = [];
  let onStall: (() => void) | undefined;

  const forward = (from: Socket, to: Socket, fromClient: boolean) => {
    from.on('data', (chunk: Buffer) => {
      if (stalled) {
        held.push(() => to.write(chunk));
        return;
      }
      to.write(chunk);
      // The marked chunk itself reaches the database, so its statement runs there while
      // the connection goes silent: the answer is what is held.
      if (fromClient && stallMarker !== undefined && chunk.includes(stallMarker)) {
        stalled = true;
        onStall?.();
      }
    });
  };

  const server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: targetHost, port: targetPort });
    // Either side ending or failing ends both.
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => {
        sockets.delete(socket);
        drop();
      });
      socket.on('error', drop);
    }
    forward(client, upstream, true);
    forward(upstream, client, false);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const dropAll = (how: 'close' | 'abort' = 'close') => {
    for (const socket of sockets) {
      if (how === 'abort') socket.resetAndDestroy();
      else socket.destroy();
    }
    sockets.clear();
    held = [];
  };
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      down = true;
      dropAll();
    },
    resetConnections: dropAll,
    stallAt(marker) {
      stallMarker = Buffer.from(marker);
    },
    whenStalled() {
      return stalled ? Promise.resolve() : new Promise((resolve) => (onStall = resolve));
    },
    restore() {
      down = false;
      stallMarker = undefined;
      stalled = false;
      const release = held;
      held = [];
      for (const deliver of release) deliver();
    },
    async close() {
      down = true;
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

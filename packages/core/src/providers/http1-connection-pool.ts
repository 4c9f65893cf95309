/**
 * Keep-alive connections for `createNodeHttpFetch`, per origin: a request takes an idle one (the
 * most recently used, whose TCP and TLS state is warmest) or opens a new one, and gives it back when
 * its response has ended. No limit on connections per origin (as Node's agents): how many requests
 * run at once is the model's concurrency window's business.
 *
 * Each socket keeps the same three listeners for its whole life and hands their events to whichever
 * request uses it at the moment (adding and removing listeners per request cost more than the rest
 * of the bookkeeping). With no request on it, any event ends it: the server closed it, or sent bytes
 * nobody asked for (which must never be read as the next request's answer).
 *
 * An idle connection costs nothing: it does not keep the process alive (unref), and it is closed
 * after `IDLE_TIMEOUT_MS` — sooner when the server announced a shorter `Keep-Alive: timeout` — so
 * that we close it before the server does; a request that still finds one dead is sent again (see
 * node-http-fetch.ts).
 */

import type * as net from 'node:net';
import type * as tls from 'node:tls';

/** How long an idle connection is kept: undici's default, below common servers' 5 s. */
const IDLE_TIMEOUT_MS = 4_000;
/** Margin below a server's announced keep-alive timeout. */
const SERVER_TIMEOUT_MARGIN_MS = 1_000;

/** Where a connection's events go while a request uses it. */
export interface ConnectionUser {
  onData(chunk: Buffer): void;
  onError(error: Error): void;
  /** The socket closed (after an error, the server's close, or `destroy()`). */
  onClose(): void;
}

export class PooledConnection {
  /** The request using it; `undefined` while idle. */
  user: ConnectionUser | undefined;
  /** It carried an earlier request: a failure before any answer may be the server's idle close. */
  reused = false;
  /** While idle: when it is closed unless taken before. */
  expiresAt = 0;

  constructor(
    readonly socket: net.Socket,
    readonly origin: string,
    pool: Http1ConnectionPool,
  ) {
    socket.on('data', (chunk: Buffer) => {
      if (this.user) this.user.onData(chunk);
      else socket.destroy();
    });
    socket.on('error', (error) => {
      if (this.user) this.user.onError(error);
      else socket.destroy();
    });
    socket.on('close', () => {
      const user = this.user;
      this.user = undefined;
      pool.forget(this);
      user?.onClose();
    });
  }
}

export class Http1ConnectionPool {
  private readonly idle = new Map<string, PooledConnection[]>();
  private sweeping: ReturnType<typeof setTimeout> | undefined;

  /** Node's `tls`, handed over once an https URL comes (loading it costs ~6 ms of start-up). */
  private tlsModule: typeof tls | undefined;

  constructor(
    private readonly netModule: typeof net,
    private readonly tlsOptions: tls.ConnectionOptions = {},
  ) {}

  get canConnectSecurely(): boolean {
    return this.tlsModule !== undefined;
  }

  useTls(tlsModule: typeof tls): void {
    this.tlsModule = tlsModule;
  }

  /** An idle connection to the target's origin, or a new one, now used by `user`. */
  acquire(target: URL, user: ConnectionUser): PooledConnection {
    const origin = originOf(target);
    const list = this.idle.get(origin);
    for (let connection = list?.pop(); connection !== undefined; connection = list?.pop()) {
      const { socket } = connection;
      if (!socket.destroyed && socket.readable && socket.writable) {
        connection.user = user;
        connection.reused = true;
        socket.ref();
        return connection;
      }
      socket.destroy();
    }
    const connection = new PooledConnection(this.connect(target), origin, this);
    connection.user = user;
    return connection;
  }

  /** Takes back a connection whose response ended cleanly, for the next request to its origin. */
  release(connection: PooledConnection, serverTimeoutMs: number | undefined): void {
    connection.user = undefined;
    const timeout =
      serverTimeoutMs === undefined
        ? IDLE_TIMEOUT_MS
        : Math.min(IDLE_TIMEOUT_MS, serverTimeoutMs - SERVER_TIMEOUT_MARGIN_MS);
    const { socket } = connection;
    if (timeout <= 0 || socket.destroyed) {
      socket.destroy();
      return;
    }
    connection.expiresAt = Date.now() + timeout;
    let list = this.idle.get(connection.origin);
    if (list === undefined) {
      list = [];
      this.idle.set(connection.origin, list);
    }
    list.push(connection);
    socket.unref();
    this.sweepLater();
  }

  /** A closed connection leaves the idle list. */
  forget(connection: PooledConnection): void {
    const list = this.idle.get(connection.origin);
    const index = list?.indexOf(connection) ?? -1;
    if (index >= 0) list!.splice(index, 1);
  }

  /** One timer for the whole pool (not one per socket): closes connections idle past their time. */
  private sweepLater(): void {
    if (this.sweeping !== undefined) return;
    this.sweeping = setTimeout(() => {
      this.sweeping = undefined;
      const now = Date.now();
      let left = false;
      for (const list of this.idle.values()) {
        for (const connection of [...list]) {
          if (connection.expiresAt <= now) connection.socket.destroy();
          else left = true;
        }
      }
      if (left) this.sweepLater();
    }, 500);
    this.sweeping.unref();
  }

  private connect(target: URL): net.Socket {
    const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
    const secure = target.protocol === 'https:';
    const port = Number(target.port) || (secure ? 443 : 80);
    const { tlsModule } = this;
    if (secure && tlsModule === undefined) throw new Error('useTls() must come before an https connection');
    const socket = secure
      ? tlsModule!.connect({
          ...this.tlsOptions,
          host,
          port,
          // SNI takes a name, never an address (as Node's https agent does).
          ...(this.netModule.isIP(host) === 0 && { servername: host }),
          ALPNProtocols: ['http/1.1'],
        })
      : this.netModule.connect({ host, port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1_000);
    return socket;
  }
}

function originOf(target: URL): string {
  return `${target.protocol}//${target.host}`;
}

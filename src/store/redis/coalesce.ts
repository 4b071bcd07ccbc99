import { createConnection, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { AbstractConnector, type StandaloneConnectionOptions } from 'ioredis';

/**
 * Makes a socket send everything written to it by one callback, and the promise callbacks it sets
 * off, as one write.
 *
 * ioredis writes each command to its socket at once, and every write is a system call. Under load
 * the replies of many commands arrive in one read, and the promise callbacks they resume send the
 * next commands one after another. Corking the socket at the first write and uncorking it in
 * process.nextTick sends all of them in one `writev`: a tick queued by a promise callback runs once
 * the microtask queue is empty, after every promise callback that read set off. A lone command is
 * not held back: it leaves as soon as the code that sent it has run, in whatever phase of the event
 * loop that was (setImmediate would hold a write made in an immediate until the next loop turn).
 * Ending or destroying the socket flushes or drops the batch as it would any written data, and
 * ioredis fails the commands still waiting for a reply. ioredis takes a `Connector` in place of its
 * Sentinel connector: with Sentinel this would have to wrap SentinelConnector instead.
 */
export function coalesceWrites<S extends Socket>(socket: S): S {
  let corked = false;
  const flush = () => {
    corked = false;
    socket.uncork();
  };
  const write = socket.write;
  socket.write = function (this: S, ...args: Parameters<Socket['write']>) {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(flush);
    }
    return write.apply(this, args);
  } as Socket['write'];
  return socket;
}

/**
 * ioredis's connector for one server (TCP, a Unix socket or TLS), as its own StandaloneConnector
 * does it, with {@link coalesceWrites} on the socket. Passed as the `Connector` option, which
 * ioredis also applies to every node of a Cluster through `redisOptions`.
 */
export class CoalescingConnector extends AbstractConnector {
  private readonly options: StandaloneConnectionOptions;

  constructor(options: unknown) {
    const opts = (options ?? {}) as StandaloneConnectionOptions;
    // ioredis always fills disconnectTimeout in (2,000 ms by default); the fallback is the same.
    super(opts.disconnectTimeout ?? 2_000);
    this.options = opts;
  }

  // ioredis passes an error emitter; the first socket error is kept as firstError, as its own does.
  connect(_emit: unknown): Promise<Socket> {
    const { options } = this;
    this.connecting = true;
    const target: { path?: string; port?: number; host?: string; family?: number } = options.path
      ? { path: options.path }
      : {
          ...(options.port != null ? { port: options.port } : {}),
          ...(options.host != null ? { host: options.host } : {}),
          ...(options.family != null ? { family: options.family } : {}),
        };
    // Next tick, as ioredis does: a disconnect() called right after connect() must win.
    return new Promise((resolve, reject) => {
      process.nextTick(() => {
        if (!this.connecting) {
          reject(new Error('Connection is closed.'));
          return;
        }
        let socket: Socket;
        try {
          socket = options.tls
            ? tlsConnect({ ...target, ...options.tls } as ConnectionOptions)
            : createConnection(target as Parameters<typeof createConnection>[0]);
        } catch (err) {
          reject(err);
          return;
        }
        socket.once('error', (err) => {
          this.firstError = err;
        });
        this.stream = coalesceWrites(socket);
        resolve(this.stream);
      });
    });
  }
}

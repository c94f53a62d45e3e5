import { mkdtempSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A Unix socket that forwards to the real Docker engine and can be cut and restored, so a test can
 * take "the engine" away mid-run without stopping the real one that other tests use.
 */
export class DockerSocketProxy {
  readonly path = join(mkdtempSync(join(tmpdir(), 'dockercise-proxy-')), 'docker.sock');
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly target = '/var/run/docker.sock') {}

  up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    return new Promise((resolve) => server.listen(this.path, resolve));
  }

  /** Stops accepting, then cuts every open connection, as a dying daemon would. */
  down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    // Stop listening first: a connection accepted while the others are being cut would survive.
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const socket of this.sockets) socket.destroy();
    return closed;
  }
}

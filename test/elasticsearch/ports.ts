/** Ports for the embedded node. */
import { createServer } from 'node:net';

/** A port that is currently free on all interfaces (both IPv4 and IPv6 where available). */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePromise(port));
    });
  });
}

export function assertPortFree(port: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === 'EADDRINUSE' ? `embedded Elasticsearch: port ${port} is already in use` : `embedded Elasticsearch: cannot use port ${port}: ${e.message}`)),
    );
    srv.listen(port, () => srv.close(() => resolvePromise()));
  });
}

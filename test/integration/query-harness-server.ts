/**
 * Serves the plugin's screenshot harness and plays Grafana's data proxy for it: requests to
 * /api/datasources/proxy/uid/aisec/aisec/<path> go to the service at <path> with `Authorization: Bearer <key>`
 * added here, server-side, as Grafana does from secureJsonData — the page never sees the key. `mounts` serves further
 * directories read-only under a URL prefix (the dashboard harness reads dashboards/json from /dashboards/).
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';

export interface HarnessServer {
  url: string;
  close(): Promise<void>;
}

const PROXY_PREFIX = '/api/datasources/proxy/uid/aisec/aisec/';
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json', '.css': 'text/css; charset=utf-8' };

export async function startHarnessServer(options: { root: string; serviceUrl: string; apiKey: string; mounts?: Record<string, string> }): Promise<HarnessServer> {
  const proxy = (req: IncomingMessage, res: ServerResponse) => {
    const target = new URL(req.url!.slice(PROXY_PREFIX.length - 1), options.serviceUrl);
    const upstream = httpRequest(
      target,
      { method: req.method, headers: { 'content-type': req.headers['content-type'] ?? 'application/json', accept: 'application/json', authorization: `Bearer ${options.apiKey}` } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json' });
        answer.pipe(res);
      },
    );
    upstream.on('error', (e) => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: e.message }));
    });
    req.pipe(upstream);
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://harness').pathname;
    if (path.startsWith(PROXY_PREFIX)) return proxy(req, res);
    const mount = Object.entries(options.mounts ?? {}).find(([prefix]) => path.startsWith(`${prefix}/`));
    const [base, rest] = mount ? [mount[1], path.slice(mount[0].length)] : [options.root, path === '/' ? 'index.html' : path];
    const file = normalize(join(base, rest));
    if (!file.startsWith(base)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file)
      .then((body) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body))
      .catch(() => res.writeHead(404).end('not found'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

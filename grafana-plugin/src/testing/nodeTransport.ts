/** HTTP for the proxy stand-in under jest (jsdom has no fetch): node's own http client. */
import http from 'http';
import type { Transport } from './grafanaProxy';

export const nodeTransport: Transport = (method, url, headers, body) =>
  new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    if (body !== undefined) request.write(body);
    request.end();
  });

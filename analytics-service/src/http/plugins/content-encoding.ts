/**
 * Compressed request bodies: `Content-Encoding: gzip` (what log shippers send) is decompressed on the way in, and the
 * body limit applies to the decompressed bytes, so a small gzip bomb is a 413 like any large body. Any other encoding
 * (deflate, br, compress, or several) is refused with 415 before the body is read, rather than parsed as if it were
 * plain JSON. Runs after authentication, so nothing is decompressed for a caller without a valid key.
 */
import { createGunzip } from 'node:zlib';
import { Transform, type Readable } from 'node:stream';
import fp from 'fastify-plugin';

export const SUPPORTED_ENCODINGS = ['gzip', 'x-gzip', 'identity'] as const;

class EncodingError extends Error {
  readonly statusCode = 415;
  constructor(message: string) {
    super(message);
    this.name = 'Unsupported Media Type';
  }
}

export const contentEncoding = fp(
  async (app) => {
    app.addHook('preParsing', async (request, _reply, payload) => {
      const header = request.headers['content-encoding'];
      // only a body can be encoded: a GET with the header is answered as if it had none
      const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
      if (header === undefined || !hasBody) return payload;
      const encoding = String(header).trim().toLowerCase();
      if (encoding === '' || encoding === 'identity') return payload;
      if (encoding !== 'gzip' && encoding !== 'x-gzip') {
        throw new EncodingError(`Content-Encoding "${String(header).slice(0, 64)}" is not supported: send the body uncompressed or with Content-Encoding: gzip`);
      }
      // Fastify compares Content-Length with the bytes received: it reads receivedEncodedLength for a decoded stream
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          decoded.receivedEncodedLength += chunk.length;
          done(null, chunk);
        },
      });
      const gunzip = createGunzip();
      const decoded = gunzip as unknown as Readable & { receivedEncodedLength: number };
      decoded.receivedEncodedLength = 0;
      // registered before Fastify's body reader listens: zlib's own words ("incorrect header check") are replaced by ours
      gunzip.on('error', (error: Error & { statusCode?: number }) => {
        error.message = 'the body is not valid gzip data, though Content-Encoding says gzip';
        error.statusCode = 400;
      });
      payload.on('error', (error) => gunzip.destroy(error));
      payload.pipe(counted).pipe(gunzip);
      return decoded;
    });
  },
  { name: 'content-encoding' },
);

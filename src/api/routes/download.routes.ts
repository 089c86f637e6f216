// Downloads of the local blob store: its signed URLs point here. The link is the credential (an HMAC
// over container, key and expiry), so the route needs no other authentication.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { LocalBlobStore } from '../../storage/local/local-blob-store.js';
import type { Clock } from '../../time.js';
import { ApiId, errorEnvelope } from '../envelope.js';
import { ErrorEnvelope } from '../schemas.js';

const CONTENT_TYPES: Record<string, string> = {
  '.zip': 'application/zip',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json',
  '.gz': 'application/gzip',
  '.txt': 'text/plain; charset=utf-8',
};

export const downloadRoutes = (store: LocalBlobStore, clock: Clock): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/download/:container/*', {
    config: { apiId: ApiId.download, auth: 'none' },
    schema: {
      summary: 'Download a stored file through a signed link (local storage only)',
      tags: ['download'],
      params: Type.Object({ container: Type.String(), '*': Type.String({ description: 'the key of the file' }) }),
      querystring: Type.Object({
        expires: Type.Optional(Type.String({ description: 'epoch seconds' })),
        signature: Type.Optional(Type.String()),
      }),
      headers: Type.Object({ range: Type.Optional(Type.String({ description: 'one byte range, e.g. bytes=0-1023' })) }),
      response: { 200: Type.Unknown(), 206: Type.Unknown(), 403: ErrorEnvelope, 404: ErrorEnvelope, 416: ErrorEnvelope },
    },
    handler: async (request, reply) => {
      const { container, '*': key } = request.params;
      const { expires, signature } = request.query;
      // A link signed for another container, key or expiry fails the signature: 'invalid'.
      const verdict =
        expires !== undefined && /^\d{1,12}$/.test(expires) && signature !== undefined
          ? store.verify(container, key, Number(expires), signature, clock.now())
          : 'invalid';
      if (verdict !== 'valid') {
        const message = verdict === 'expired' ? 'download link has expired' : 'download link is invalid';
        return reply.status(403).send(errorEnvelope(request, 'FORBIDDEN', message));
      }
      const blob = await store.open(container, key);
      if (!blob) return reply.status(404).send(errorEnvelope(request, 'RESOURCE_NOT_FOUND', 'the file of this link no longer exists'));

      const range = parseRange(request.headers.range, blob.size);
      if (range === 'unsatisfiable') {
        await blob.close();
        return reply
          .status(416)
          .header('content-range', `bytes */${blob.size}`)
          .send(errorEnvelope(request, 'CLIENT_ERROR', `requested range not satisfiable: the file has ${blob.size} bytes`));
      }
      const name = key.split('/').pop() ?? key;
      reply
        .header('content-type', contentTypeOf(name))
        .header('content-disposition', attachment(name))
        .header('accept-ranges', 'bytes')
        .header('last-modified', new Date(blob.lastModified).toUTCString())
        // The link is the credential: no shared cache keeps what it unlocked.
        .header('cache-control', 'private, no-store');
      if (range) {
        return reply
          .status(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${blob.size}`)
          .header('content-length', range.end - range.start + 1)
          .send(blob.stream(range));
      }
      return reply.status(200).header('content-length', blob.size).send(blob.stream());
    },
  });
};

function contentTypeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 && CONTENT_TYPES[name.slice(dot).toLowerCase()]) || 'application/octet-stream';
}

/** `attachment; filename="…"`, with an RFC 6266 `filename*` when the name is not plain ASCII. */
function attachment(name: string): string {
  if (/^[\x20-\x7e]+$/.test(name) && !/["\\]/.test(name)) return `attachment; filename="${name}"`;
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * One byte range (RFC 9110 §14.1.2). Undefined means "send it all": no header, a syntax we do not
 * read, or several ranges (a server may ignore Range; multipart answers buy a download client nothing).
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    // The last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

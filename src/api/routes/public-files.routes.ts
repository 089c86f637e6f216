// The "CDN" of the local store: public exhaust files, unsigned, so the links of the public listing
// work out of the box (EXHAUST_CDN_URL defaults to <EXHAUST_PUBLIC_URL>/public-files). The path has
// no container segment: only EXHAUST_PUBLIC_CONTAINER can be reached through it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { LocalBlobStore } from '../../storage/local/local-blob-store.js';
import { ApiId, errorEnvelope } from '../envelope.js';
import { ErrorEnvelope } from '../schemas.js';
import { parseRange } from './download.routes.js';

const CONTENT_TYPES: Record<string, string> = {
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.gz': 'application/gzip',
  '.zip': 'application/zip',
  '.txt': 'text/plain; charset=utf-8',
};

export const publicFileRoutes = (store: LocalBlobStore, publicContainer: string): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/public-files/*', {
    config: { apiId: ApiId.download, auth: 'none' },
    schema: {
      summary: 'Download a public exhaust file (local storage only; no authentication)',
      tags: ['exhaust'],
      params: Type.Object({ '*': Type.String({ description: 'the key of the file in the public container' }) }),
      headers: Type.Object({ range: Type.Optional(Type.String({ description: 'one byte range, e.g. bytes=0-1023' })) }),
      response: { 200: Type.Unknown(), 206: Type.Unknown(), 404: ErrorEnvelope, 416: ErrorEnvelope },
    },
    handler: async (request, reply) => {
      const key = request.params['*'];
      // open() refuses keys that would leave the container ('..', empty segments, backslashes).
      const blob = await store.open(publicContainer, key);
      if (!blob) return reply.status(404).send(errorEnvelope(request, 'RESOURCE_NOT_FOUND', 'no such public file'));
      const range = parseRange(request.headers.range, blob.size);
      if (range === 'unsatisfiable') {
        await blob.close();
        return reply
          .status(416)
          .header('content-range', `bytes */${blob.size}`)
          .send(errorEnvelope(request, 'CLIENT_ERROR', `requested range not satisfiable: the file has ${blob.size} bytes`));
      }
      const name = key.split('/').pop() ?? key;
      const dot = name.lastIndexOf('.');
      reply
        .header('content-type', (dot >= 0 && CONTENT_TYPES[name.slice(dot).toLowerCase()]) || 'application/octet-stream')
        .header('accept-ranges', 'bytes')
        .header('last-modified', new Date(blob.lastModified).toUTCString())
        // Public and replaced at most daily: a shared cache may keep it a little while.
        .header('cache-control', 'public, max-age=300');
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

// The "CDN" of the local store: public exhaust files, unsigned, so the links of the public listing
// work out of the box (EXHAUST_CDN_URL defaults to <EXHAUST_PUBLIC_URL>/public-files). The path has
// no container segment: only EXHAUST_PUBLIC_CONTAINER can be reached through it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { LocalBlobStore } from '../../storage/local/local-blob-store.js';
import { ApiId } from '../envelope.js';
import { ErrorEnvelope } from '../schemas.js';
import { sendBlob } from '../send-blob.js';

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
      // Public and replaced at most daily: a shared cache may keep it a little while.
      return sendBlob(request, reply, store, { container: publicContainer, key: request.params['*'] }, { attachment: false, cacheControl: 'public, max-age=300', notFound: 'no such public file' });
    },
  });
};

// Downloads of the local blob store: its signed URLs point here. The link is the credential (an HMAC
// over container, key and expiry), so the route needs no other authentication.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Tables } from '../../db/database.js';
import { appendEvents, EventKind } from '../../requests/request-event.repository.js';
import { SAFE_ID } from '../../requests/request.js';
import type { LocalBlobStore } from '../../storage/local/local-blob-store.js';
import type { Clock } from '../../time.js';
import { ApiId, errorEnvelope } from '../envelope.js';
import { ErrorEnvelope } from '../schemas.js';
import { sendBlob } from '../send-blob.js';

/** Where the artefacts of requests live: their downloads are appended to the request's audit trail. */
export interface DownloadAudit {
  db: Kysely<Tables>;
  container: string;
}

export const downloadRoutes = (store: LocalBlobStore, clock: Clock, audit: DownloadAudit): FastifyPluginAsyncTypebox => async (app) => {
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
      await recordDownload(audit, container, key, request.ip, clock.now());
      // The link is the credential: no shared cache keeps what it unlocked.
      return sendBlob(request, reply, store, { container, key }, { attachment: true, cacheControl: 'private, no-store', notFound: 'the file of this link no longer exists' });
    },
  });
};


/** An artefact's key is `<dataset>/<requestId>/<file>` (DESIGN §4): the file and who fetched it, never the link. */
async function recordDownload(audit: DownloadAudit, container: string, key: string, ip: string, at: number): Promise<void> {
  const [, requestId, file] = key.split('/');
  if (container !== audit.container || requestId === undefined || file === undefined || !SAFE_ID.test(requestId)) return;
  await appendEvents(audit.db, [{ kind: EventKind.downloaded, requestId, message: `${file} fetched from ${ip}`, at }]);
}

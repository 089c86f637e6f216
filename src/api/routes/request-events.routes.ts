// The audit trail of a request (admin): every submit, cancel, status change, link issued and local
// download, in the order they happened.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { Tables } from '../../db/database.js';
import { notFound } from '../../errors.js';
import { eventsOfRequest } from '../../requests/request-event.repository.js';
import { ApiId, okEnvelope } from '../envelope.js';
import { Envelope, ErrorEnvelope, RequiredSafeId } from '../schemas.js';

const RequestEvent = Type.Object({
  id: Type.Integer({ description: 'increasing: pass the last one as `after` for the next page' }),
  at: Type.Integer({ description: 'epoch ms' }),
  kind: Type.String({ description: 'submitted, cancel-requested, links-issued, downloaded, or status (a status change, made by the service)' }),
  status: Type.Optional(Type.String({ description: 'the status moved to (status), or the request\'s status then' })),
  previousStatus: Type.Optional(Type.String()),
  actor: Type.Optional(Type.String({ description: 'consumer:<id>, user:<id> or admin; absent for the service\'s own changes and for downloads' })),
  message: Type.Optional(Type.String({ description: 'what happened; never a key or a signed link' })),
});

export const requestEventRoutes = (db: Kysely<Tables>): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/v1/requests/:requestId/events', {
    config: { apiId: ApiId.events, auth: 'admin' },
    schema: {
      summary: 'The audit trail of a request, oldest first (admin)',
      tags: ['internal'],
      security: [{ admin: [] }],
      params: Type.Object({ requestId: RequiredSafeId('the requestId returned by submit') }),
      querystring: Type.Object({
        after: Type.Integer({ minimum: 0, default: 0, description: 'only events after this id' }),
        limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
      }),
      response: {
        200: Envelope(Type.Object({ requestId: Type.String(), count: Type.Integer(), events: Type.Array(RequestEvent) })),
        400: ErrorEnvelope,
        403: ErrorEnvelope,
        404: ErrorEnvelope,
      },
    },
    handler: async (request) => {
      const { requestId } = request.params;
      const { after, limit } = request.query;
      const rows = await eventsOfRequest(db, requestId, { after, limit });
      if (rows.length === 0 && after === 0) throw notFound('no events for this requestId');
      const events = rows.map((row) => ({
        id: Number(row.id),
        at: Number(row.at),
        kind: row.kind,
        ...(row.status !== null ? { status: row.status } : {}),
        ...(row.previous_status !== null ? { previousStatus: row.previous_status } : {}),
        ...(row.actor !== null ? { actor: row.actor } : {}),
        ...(row.message !== null ? { message: row.message } : {}),
      }));
      return okEnvelope(request, { requestId, count: events.length, events });
    },
  });
};

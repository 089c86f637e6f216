// The reports page's JSON API (session-authenticated; POSTs carry the CSRF token). It is the
// on-demand API seen from a signed-in person: the same submit, read and list, with the same roles
// and batch entitlement, for the batches of the person's organisation.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Caller } from '../../auth/caller.js';
import { grantOnDemand, holdsRole, rolesFor } from '../../auth/entitlement.js';
import { listDatasets } from '../../datasets/dataset.repository.js';
import { parseJson } from '../../datasets/dataset.service.js';
import { builders } from '../../datasets/registry.js';
import { notFound } from '../../errors.js';
import { batchCatalogue, type CatalogueBatch } from '../../records/batch-catalogue.js';
import { listRequestsOfTag, readRequest, type RequestContext, submitRequest } from '../../requests/request.service.js';
import type { Session } from '../../sessions/session.js';
import { ApiId, okEnvelope } from '../envelope.js';
import { RequiredSafeId } from '../schemas.js';
import { REPORT_TYPES } from './report-types.js';

const BatchParams = Type.Object({ batchId: RequiredSafeId('a batch of your organisation') });

export const reportsApiRoutes = (ctx: RequestContext): FastifyPluginAsyncTypebox => async (app) => {
  const config = { apiId: ApiId.reportsPage, auth: 'session' as const };
  const schema = { hide: true };

  /** The person as a caller of the on-demand API, acting for their own organisation. */
  const callerOf = (session: Session | null): Caller & { path: 'user' } => {
    const person = session!.person;
    return { path: 'user', channel: person.rootOrg.id, person };
  };
  /** The batches the person may ask about (a mentor: their own); refuses a person with no on-demand role. */
  const catalogue = (session: Session | null, options: { search?: string; batchId?: string } = {}) => {
    const caller = callerOf(session);
    const grant = grantOnDemand(caller.person, caller.channel, ctx.ondemandRoles);
    return batchCatalogue(ctx.db, { orgId: caller.channel, mentor: grant.batchScoped ? caller.person.userId : undefined, ...options });
  };
  /** The batch, when the person may see it; a 404 otherwise, whatever the reason. */
  const batchOf = async (session: Session | null, batchId: string): Promise<CatalogueBatch> => {
    const [batch] = await catalogue(session, { batchId });
    if (!batch) throw notFound('There is no such batch among yours.');
    return batch;
  };
  // Requests made here are tagged as Sunbird's portal tags them.
  const tagOf = (batch: CatalogueBatch) => `${batch.collectionId}_${batch.id}`;

  app.get('/ui/api/session', { config, schema }, async (request) => {
    const { person, csrf } = request.session!;
    return okEnvelope(request, { userId: person.userId, roles: person.roles, org: person.rootOrg, csrfToken: csrf });
  });

  app.get('/ui/api/batches', { config, schema: { ...schema, querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })) }) } }, async (request) =>
    okEnvelope(request, { batches: await catalogue(request.session, { search: request.query.q?.trim() || undefined }) }),
  );

  app.get('/ui/api/batches/:batchId/reports', { config, schema: { ...schema, params: BatchParams } }, async (request) => {
    await batchOf(request.session, request.params.batchId);
    const { person } = callerOf(request.session);
    const rows = await listDatasets(ctx.db);
    const reports = rows
      .filter((row) => builders.has(row.dataset_id) && REPORT_TYPES[row.dataset_id])
      .filter((row) => holdsRole(person, rolesFor(parseJson<string[]>(row.authorized_roles) ?? [], ctx.ondemandRoles)))
      .map((row) => ({ dataset: row.dataset_id, ...REPORT_TYPES[row.dataset_id]! }));
    return okEnvelope(request, { reports });
  });

  app.get('/ui/api/batches/:batchId/requests', { config, schema: { ...schema, params: BatchParams } }, async (request) => {
    const batch = await batchOf(request.session, request.params.batchId);
    const { jobs } = await listRequestsOfTag(ctx, callerOf(request.session), tagOf(batch), undefined, { limit: 100, offset: 0 });
    return okEnvelope(request, { requests: jobs });
  });

  app.post('/ui/api/batches/:batchId/requests', {
    config,
    schema: {
      ...schema,
      params: BatchParams,
      body: Type.Object({
        dataset: RequiredSafeId('progress-exhaust, response-exhaust or userinfo-exhaust'),
        encryptionKey: Type.String({ minLength: 8, maxLength: 128, description: 'the passphrase of the zip' }),
      }),
    },
    handler: async (request) => {
      const batch = await batchOf(request.session, request.params.batchId);
      const { dataset, encryptionKey } = request.body;
      const job = await submitRequest(ctx, callerOf(request.session), { tag: tagOf(batch), dataset, datasetConfig: { batchId: batch.id }, encryptionKey });
      return okEnvelope(request, job);
    },
  });

  app.post('/ui/api/batches/:batchId/requests/:requestId/links', {
    config,
    schema: { ...schema, params: Type.Object({ batchId: BatchParams.properties.batchId, requestId: RequiredSafeId('the request') }) },
    handler: async (request) => {
      const batch = await batchOf(request.session, request.params.batchId);
      // Read afresh: every click signs new links, so a page left open for hours still downloads.
      const job = await readRequest(ctx, callerOf(request.session), tagOf(batch), request.params.requestId);
      return okEnvelope(request, { urls: job.downloadUrls, expiresAt: job.expiresAt });
    },
  });
};

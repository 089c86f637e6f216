// On-demand requests: submit, read, list (channel) and search (admin). Handlers stay thin.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { cancelRequestOf, listRequestsOfTag, readRequest, searchAllRequests, submitRequest, type RequestContext } from '../../requests/request.service.js';
import { ApiId, okEnvelope } from '../envelope.js';
import { ChannelHeaders, Envelope, ErrorEnvelope, JobStatus, MAX_OFFSET, MsgParams, RequiredSafeId, SafeId, Status } from '../schemas.js';

const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope, 503: ErrorEnvelope };
const OutputFormat = Type.Union([Type.Literal('csv'), Type.Literal('json')]);
const JobList = Envelope(Type.Object({ count: Type.Integer(), jobs: Type.Array(JobStatus) }));

export const requestRoutes = (ctx: RequestContext): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/dataset/v1/request/submit', {
    config: { apiId: ApiId.submit, auth: 'submit' },
    schema: {
      summary: 'Submit an on-demand request',
      tags: ['on-demand'],
      headers: ChannelHeaders,
      body: Type.Object({
        id: Type.Optional(Type.String()),
        ver: Type.Optional(Type.String()),
        ts: Type.Optional(Type.String()),
        params: MsgParams,
        request: Type.Object({
          tag: Type.Optional(SafeId('the client\'s label for the request, usually a batch id')),
          dataset: Type.Optional(SafeId('a registered on-demand dataset, e.g. progress-exhaust')),
          datasetConfig: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'batchId, or batchFilter: [ids]' })),
          requestedBy: Type.Optional(Type.String({ maxLength: 100 })),
          encryptionKey: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'password of the zip; never returned' })),
          outputFormat: Type.Optional(OutputFormat),
          // Sunbird's portal sends the snake-case name.
          output_format: Type.Optional({ ...OutputFormat, description: 'the same as outputFormat, as Sunbird\'s portal names it' }),
        }),
      }),
      response: { 200: Envelope(JobStatus), ...errors },
    },
    handler: async (request) => {
      const { output_format: portalFormat, ...input } = request.body.request;
      return okEnvelope(request, await submitRequest(ctx, request.caller, { ...input, outputFormat: input.outputFormat ?? portalFormat }));
    },
  });

  app.get('/dataset/v1/request/read/:tag', {
    config: { apiId: ApiId.read, auth: 'requests' },
    schema: {
      summary: 'Read one request, with fresh download links',
      tags: ['on-demand'],
      headers: ChannelHeaders,
      params: Type.Object({ tag: RequiredSafeId('the tag given at submit') }),
      querystring: Type.Object({ requestId: RequiredSafeId('the requestId returned by submit') }),
      response: { 200: Envelope(JobStatus), ...errors },
    },
    handler: async (request) => okEnvelope(request, await readRequest(ctx, request.caller, request.params.tag, request.query.requestId)),
  });

  app.post('/dataset/v1/request/cancel/:tag', {
    config: { apiId: ApiId.cancel, auth: 'requests' },
    schema: {
      summary: 'Cancel a request (beyond Sunbird): a SUBMITTED one at once, a PROCESSING one within about a second, its partial files deleted',
      description: 'Same authorization as read. A final request (SUCCESS, FAILED, CANCELLED, EXPIRED) → 409 naming its status; unknown → 404. CANCELLED is final; submitting the same request again starts it afresh.',
      tags: ['on-demand'],
      headers: ChannelHeaders,
      params: Type.Object({ tag: RequiredSafeId('the tag given at submit') }),
      querystring: Type.Object({ requestId: RequiredSafeId('the requestId returned by submit') }),
      response: { 200: Envelope(JobStatus), ...errors, 409: ErrorEnvelope },
    },
    handler: async (request) => okEnvelope(request, await cancelRequestOf(ctx, request.caller, request.params.tag, request.query.requestId)),
  });

  app.get('/dataset/v1/request/list/:tag', {
    config: { apiId: ApiId.list, auth: 'requests' },
    schema: {
      summary: 'List the requests of a tag, newest first',
      tags: ['on-demand'],
      headers: ChannelHeaders,
      params: Type.Object({ tag: RequiredSafeId('the tag given at submit') }),
      querystring: Type.Object({
        limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        offset: Type.Integer({ minimum: 0, maximum: MAX_OFFSET, default: 0 }),
        status: Type.Optional(Status),
      }),
      response: { 200: JobList, ...errors },
    },
    handler: async (request) => {
      const { limit, offset, status } = request.query;
      return okEnvelope(request, await listRequestsOfTag(ctx, request.caller, request.params.tag, status, { limit, offset }));
    },
  });

  app.post('/dataset/v1/request/search', {
    config: { apiId: ApiId.search, auth: 'admin' },
    schema: {
      summary: 'Search requests across tags and channels (admin)',
      tags: ['internal'],
      body: Type.Object({
        params: MsgParams,
        request: Type.Object({
          filters: Type.Optional(
            Type.Object(
              {
                dataset: Type.Optional(Type.String({ maxLength: 200 })),
                status: Type.Optional(Status),
                channel: Type.Optional(Type.String({ maxLength: 200 })),
                requestedDate: Type.Optional(Type.String({ description: 'yyyy-MM-dd in EXHAUST_TZ' })),
                requestedBy: Type.Optional(Type.String({ maxLength: 100 })),
              },
              { additionalProperties: true },
            ),
          ),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
          offset: Type.Integer({ minimum: 0, maximum: MAX_OFFSET, default: 0 }),
        }),
      }),
      response: { 200: JobList, ...errors },
    },
    handler: async (request) => okEnvelope(request, await searchAllRequests(ctx, request.body.request)),
  });
};

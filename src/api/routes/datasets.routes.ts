// The dataset registry (admin): Sunbird's add and list.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { addDataset, datasetCatalogue } from '../../datasets/dataset-admin.service.js';
import type { Tables } from '../../db/database.js';
import type { Clock } from '../../time.js';
import { ApiId, okEnvelope } from '../envelope.js';
import { Envelope, ErrorEnvelope, MsgParams, SafeId } from '../schemas.js';

const errors = { 400: ErrorEnvelope, 403: ErrorEnvelope, 503: ErrorEnvelope };
const Text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));
const Strings = Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 }));

export const datasetRoutes = (db: Kysely<Tables>, clock: Clock): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/dataset/v1/add', {
    config: { apiId: ApiId.datasetAdd, auth: 'admin' },
    schema: {
      summary: 'Register a dataset or change its metadata (admin)',
      tags: ['internal'],
      body: Type.Object({
        params: MsgParams,
        request: Type.Object({
          dataset: Type.Optional(SafeId('dataset id')),
          datasetSubId: Text(200),
          datasetConfig: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          datasetType: Text(100),
          version: Text(50),
          visibility: Text(50),
          authorizedRoles: Strings,
          availableFrom: Text(50),
          validationJson: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'JSON schema of datasetConfig' })),
          sampleRequest: Text(10_000),
          sampleResponse: Text(10_000),
          druidQuery: Text(100_000),
          limits: Text(10_000),
          supportedFormats: Strings,
          exhaustType: Text(50),
        }),
      }),
      response: { 200: Envelope(Type.Object({ message: Type.String() })), ...errors },
    },
    handler: async (request) => okEnvelope(request, await addDataset(db, request.body.request, clock.now())),
  });

  app.get('/dataset/v1/list', {
    config: { apiId: ApiId.datasetList, auth: 'admin' },
    schema: {
      summary: 'List registered datasets (admin)',
      tags: ['internal'],
      response: {
        200: Envelope(Type.Object({ count: Type.Integer(), datasets: Type.Array(Type.Record(Type.String(), Type.Unknown())) })),
        ...errors,
      },
    },
    handler: async (request) => okEnvelope(request, await datasetCatalogue(db)),
  });
};

// Daily exhaust files: standard (per channel, signed URLs) and public (CDN URLs, no auth) listings,
// each also under /data/v3 as Sunbird serves them, and the admin upload of a day's file.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { AppError, clientError } from '../../errors.js';
import { DATE_RANGES } from '../../exhaust/date-window.js';
import { extensionOf } from '../../exhaust/exhaust.js';
import { type ExhaustContext, listPublicExhaust, listStandardExhaust } from '../../exhaust/listing.js';
import { checkPublishInput, publishExhaustFile } from '../../exhaust/publish.js';
import { ApiId, okEnvelope } from '../envelope.js';
import { ChannelHeaders, Envelope, ErrorEnvelope, RequiredSafeId } from '../schemas.js';

const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 503: ErrorEnvelope };
// Formats are checked by the domain so the message says "from must be a date in yyyy-MM-dd".
const DateParam = (description: string) => Type.Optional(Type.String({ maxLength: 200, description: `${description} (yyyy-MM-dd)` }));
const DatasetParams = Type.Object({ datasetId: RequiredSafeId('the dataset, e.g. summary-rollup') });
const Files = Type.Array(Type.String());
const PeriodWiseFiles = Type.Record(Type.String(), Type.Array(Type.String()), { description: 'the links of each date (yyyy-MM-dd)' });

const StandardResult = Type.Object({
  files: Files,
  periodWiseFiles: PeriodWiseFiles,
  expiresAt: Type.Integer({ description: 'epoch ms when the links stop working; 0 when there are none' }),
});
const PublicResult = Type.Object({
  files: Files,
  periodWiseFiles: PeriodWiseFiles,
  message: Type.Optional(Type.String({ description: 'only when no file was found' })),
});

/** Media type of the upload body. */
export const PUBLISH_TYPE = 'application/octet-stream';

export const exhaustRoutes = (ctx: ExhaustContext): FastifyPluginAsyncTypebox => async (app) => {
  for (const prefix of ['', '/data/v3']) {
    app.get(`${prefix}/dataset/get/:datasetId`, {
      config: { apiId: ApiId.exhaust, auth: 'standard-exhaust' },
      schema: {
        summary: 'Standard exhaust: signed links to the daily files of the caller\'s channel',
        description: `from = since ?? from ?? yesterday; to = to ?? today (in EXHAUST_TZ); to − from ≤ ${ctx.config.standardMaxDays} days.`,
        tags: ['exhaust'],
        headers: ChannelHeaders,
        params: DatasetParams,
        querystring: Type.Object({ from: DateParam('first date'), to: DateParam('last date'), since: DateParam('first date; wins over from') }),
        response: { 200: Envelope(StandardResult), ...errors },
      },
      handler: async (request) => okEnvelope(request, await listStandardExhaust(ctx, request.caller.channel, request.params.datasetId, request.query)),
    });

    app.get(`${prefix}/public/dataset/get/:datasetId`, {
      config: { apiId: ApiId.exhaust, auth: 'none' },
      schema: {
        summary: 'Public exhaust: CDN links to the daily files of a public dataset (no authentication)',
        description: `Precedence: date_range > date > since > from. to − from ≤ ${ctx.config.publicMaxDays} days, from not older than ${ctx.config.publicMaxAgeMonths} months.`,
        tags: ['exhaust'],
        params: DatasetParams,
        querystring: Type.Object({
          from: DateParam('first date'),
          to: DateParam('last date'),
          since: DateParam('first date; wins over from'),
          date: DateParam('one day'),
          date_range: Type.Optional(Type.String({ maxLength: 200, description: DATE_RANGES.join(' | ') })),
        }),
        response: { 200: Envelope(PublicResult), 400: ErrorEnvelope, 503: ErrorEnvelope },
      },
      handler: async (request) => okEnvelope(request, await listPublicExhaust(ctx, request.params.datasetId, request.query)),
    });
  }

  await app.register(publishRoute(ctx));
};

const publishRoute = (ctx: ExhaustContext): FastifyPluginAsyncTypebox => async (upload) => {
  // Encapsulated to this plugin: the upload reaches the handler as the raw request stream, so the
  // 1 MiB JSON limit does not apply and nothing is held in memory. Every type is let through so a
  // wrong one gets a message naming the right one.
  upload.removeAllContentTypeParsers();
  upload.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  upload.post('/v1/exhaust/publish', {
    config: { apiId: ApiId.publish, auth: 'admin' },
    schema: {
      summary: 'Publish a day\'s exhaust file (admin); the body is the file',
      description:
        'Stored at data-exhaust/<dataset>/<channel>/<date>[-<part>]<ext> (standard) or <dataset>/<date>[-<part>]<ext> in the public container. ' +
        'Without part the day\'s earlier file and parts are replaced; with part only that part. The extension comes from ext, or from filename (its last suffix, with the one before a compression suffix: events.json.gz → .json.gz).',
      tags: ['internal'],
      consumes: [PUBLISH_TYPE],
      querystring: Type.Object({
        dataset: Type.String({ maxLength: 200 }),
        date: Type.String({ maxLength: 200, description: 'yyyy-MM-dd' }),
        channel: Type.Optional(Type.String({ maxLength: 200, description: 'standard exhaust of this channel' })),
        public: Type.Optional(Type.Boolean({ description: 'true: public exhaust' })),
        part: Type.Optional(Type.String({ maxLength: 200, description: 'lets a day hold several files' })),
        ext: Type.Optional(Type.String({ maxLength: 200, description: 'the whole extension, e.g. .json.gz' })),
        filename: Type.Optional(Type.String({ maxLength: 1000, description: 'the original file name; its extension is kept (in.ekstep.csv → .csv, events.json.gz → .json.gz)' })),
      }),
      response: {
        200: Envelope(Type.Object({ container: Type.String(), key: Type.String(), size: Type.Integer(), replaced: Type.Array(Type.String()) })),
        ...errors,
        415: ErrorEnvelope,
      },
    },
    handler: async (request) => {
      const { dataset, date, channel, part, ext, filename } = request.query;
      if (ext !== undefined && filename !== undefined) throw clientError('give ext or filename, not both');
      if (ext === undefined && filename === undefined) throw clientError('ext or filename is required: the stored file keeps its extension');
      const extension = ext !== undefined ? (ext === '' || ext.startsWith('.') ? ext : `.${ext}`) : (extensionOf(filename!) ?? '');
      const target = checkPublishInput(ctx, { dataset, date, channel, public: request.query.public === true ? true : undefined, part, extension });
      const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (mediaType !== PUBLISH_TYPE) throw new AppError('CLIENT_ERROR', `Content-Type must be ${PUBLISH_TYPE}`, { statusCode: 415 });
      // No body at all (Content-Length: 0) is an empty file.
      const body = request.body instanceof Readable ? request.body : Readable.from([]);
      return okEnvelope(request, await publishExhaustFile(ctx, target, body));
    },
  });
};

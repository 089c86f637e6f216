// Bulk import of learning records (admin): `POST /v1/records/:entity` with a JSON Lines body, the
// HTTP twin of `exhaust import`. The body is streamed into the import, never buffered.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import { AppError, clientError } from '../../errors.js';
import { findRecordEntity, recordEntityNames } from '../../records/entities.js';
import { describeBadLines, importRecords } from '../../records/import.js';
import type { Databases } from '../../services.js';
import { ApiId, okEnvelope } from '../envelope.js';
import { Envelope, ErrorEnvelope } from '../schemas.js';

/**
 * Accepted media types. `text/plain` is there for `curl --data-binary @users.jsonl -H 'Content-Type: text/plain'`.
 * There is no total size limit (a million-line file is the point of the route; memory stays flat);
 * each line is capped at MAX_LINE_BYTES instead.
 */
export const NDJSON_TYPES = ['application/x-ndjson', 'application/jsonl', 'text/plain'];

const errors = { 400: ErrorEnvelope, 403: ErrorEnvelope, 415: ErrorEnvelope, 503: ErrorEnvelope };

export const recordRoutes = (databases: Pick<Databases, 'imports'>, config: Config): FastifyPluginAsyncTypebox => async (app) => {
  // Encapsulated to this plugin: the body reaches the handler as the raw request stream, so the
  // 1 MiB JSON limit does not apply here and nothing is held in memory. Any type is let through to
  // the handler so that a wrong one gets a message naming the right ones.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.post('/v1/records/:entity', {
    config: { apiId: ApiId.records, auth: 'admin' },
    schema: {
      summary: 'Import learning records from JSON Lines (admin); the whole body is applied or nothing',
      description: `One JSON object per line; blank lines are skipped. Entities: ${recordEntityNames.join(', ')}. Content-Type: ${NDJSON_TYPES.join(', ')}.`,
      tags: ['internal'],
      consumes: NDJSON_TYPES,
      params: Type.Object({ entity: Type.String({ description: recordEntityNames.join(' | ') }) }),
      response: { 200: Envelope(Type.Object({ entity: Type.String(), rows: Type.Integer() })), ...errors },
    },
    handler: async (request) => {
      const entity = findRecordEntity(request.params.entity);
      if (!entity) throw clientError(`unknown entity '${request.params.entity.slice(0, 100)}'; use one of ${recordEntityNames.join(', ')}`);
      const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (!NDJSON_TYPES.includes(mediaType)) {
        throw new AppError('CLIENT_ERROR', `Content-Type must be ${NDJSON_TYPES.join(' or ')}`, { statusCode: 415 });
      }
      // No body at all (Content-Length: 0) is an empty file: nothing to import.
      const body = request.body instanceof Readable ? request.body : Readable.from([]);
      const result = await importSpooled(databases, config, entity, body);
      if (result.badLines > 0) {
        const lines = describeBadLines(result, (n) => `line ${n}`);
        throw clientError(`${entity.file}: ${result.badLines} bad line${result.badLines === 1 ? '' : 's'}, nothing imported; ${lines.join('; ')}`);
      }
      return okEnvelope(request, { entity: result.entity, rows: result.rows });
    },
  });
};

/**
 * The body is first spooled to a file, then imported: the file's one transaction then lasts as
 * long as the database work, never as long as a slow upload. It runs on the imports connection
 * (on SQLite one of its own: the API keeps reading while it writes; imports run one after another).
 */
async function importSpooled(databases: Pick<Databases, 'imports'>, config: Config, entity: NonNullable<ReturnType<typeof findRecordEntity>>, body: Readable) {
  const spool = join(config.dataDir, 'tmp', `${randomUUID()}.jsonl`);
  await mkdir(join(config.dataDir, 'tmp'), { recursive: true });
  try {
    await pipeline(body, createWriteStream(spool));
    return await importRecords(databases.imports.db, entity, createReadStream(spool));
  } finally {
    await rm(spool, { force: true });
  }
}

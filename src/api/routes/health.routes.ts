import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Kysely, sql } from 'kysely';
import type { Tables } from '../../db/database.js';
import { ApiId, errorEnvelope, okEnvelope } from '../envelope.js';

/** Liveness and readiness in one: 200 when the database answers, 503 when it does not. */
export const healthRoutes = (db: Kysely<Tables>): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/health', {
    config: { apiId: ApiId.health, auth: 'none' },
    schema: { summary: 'Liveness and readiness (checks the database)', tags: ['operations'] },
    handler: async (request, reply) => {
      const database = await databaseAnswers(db);
      const result = { name: 'data-exhaust', healthy: database, checks: [{ name: 'database', healthy: database }] };
      if (database) return okEnvelope(request, result);
      return reply.status(503).send({ ...errorEnvelope(request, 'SERVICE_UNAVAILABLE', 'the database is unavailable'), result });
    },
  });
};

async function databaseAnswers(db: Kysely<Tables>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('health check timed out')), 3000);
    });
    await Promise.race([sql`select 1`.execute(db), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

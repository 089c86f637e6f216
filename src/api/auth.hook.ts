// Runs before the body is even parsed: unauthorized callers get their 4xx without costing a parse.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { authorizeAdmin, authorizeChannel } from '../auth/authorize.js';
import type { Tables } from '../db/database.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The channel the caller is authorized for; set on channel routes. */
    channel: string;
  }
}

export function installAuth(app: FastifyInstance, db: Kysely<Tables>, adminToken: string | undefined): void {
  app.decorateRequest('channel', '');
  app.addHook('onRequest', async (request) => {
    const auth = request.routeOptions.config?.auth;
    if (auth === 'channel') request.channel = await authorizeChannel(db, request.headers);
    else if (auth === 'admin') authorizeAdmin(adminToken, request.headers);
  });
}

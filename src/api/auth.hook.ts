// Runs before the body is even parsed: unauthorized callers get their 4xx without costing a parse,
// and a bad body never turns a refusal into a 400.
import type { FastifyInstance } from 'fastify';
import { type AuthorizeDeps, authorizeAdmin, authorizeCaller, isChannelAccess } from '../auth/authorize.js';
import type { Caller } from '../auth/caller.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling a channel route, and for which channel; set on channel routes. */
    caller: Caller;
  }
}

export function installAuth(app: FastifyInstance, deps: AuthorizeDeps, adminToken: string | undefined): void {
  // null until the hook sets it (Fastify refuses an object as a shared default). `as never`: the
  // decorator's type distributes over the union and accepts neither member.
  app.decorateRequest('caller', null as never);
  app.addHook('onRequest', async (request) => {
    const auth = request.routeOptions.config?.auth;
    if (isChannelAccess(auth)) request.caller = await authorizeCaller(deps, request.headers, auth);
    else if (auth === 'admin') authorizeAdmin(adminToken, request.headers);
  });
}

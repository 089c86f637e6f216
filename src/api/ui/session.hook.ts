// Sessions of the reports page: the sealed cookie is opened before the route runs (a page without
// one goes to sign-in, an API call gets a 401 the page turns into the same), the idle lifetime
// slides as the person works, and a state-changing call must carry the session's CSRF token.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../../errors.js';
import { sameSecret } from '../../secrets.js';
import { cookieValue, newSession, openSession, sealSession, SESSION_COOKIE, type Session, sessionCookie, type SessionLifetimes } from '../../sessions/session.js';
import type { Person } from '../../auth/person.js';
import type { Clock } from '../../time.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The reports page's session; set on session routes. */
    session: Session | null;
  }
  interface FastifyContextConfig {
    /** A session-page route's answer once the session has ended; default: sign-in, then back to the route. */
    whenSignedOut?: string;
  }
}

export interface SessionDeps {
  key: Buffer;
  lifetimes: SessionLifetimes;
  /** Secure cookies when the service is reached over https (EXHAUST_PUBLIC_URL). */
  secure: boolean;
  clock: Clock;
}

/** How often a busy session's cookie is written anew (its idle clock restarts), ms. */
const REFRESH_MS = 60_000;

export function installSessions(app: FastifyInstance, deps: SessionDeps): void {
  app.decorateRequest('session', null);
  app.addHook('onRequest', async (request, reply) => {
    const auth = request.routeOptions.config?.auth;
    if (auth !== 'session' && auth !== 'session-page') return;
    const now = deps.clock.now();
    const session = openSession(cookieValue(request.headers.cookie, SESSION_COOKIE), deps.key, now, deps.lifetimes);
    if (!session) {
      if (auth === 'session-page') return reply.redirect(request.routeOptions.config.whenSignedOut ?? `/signin?next=${encodeURIComponent(request.url)}`, 303);
      throw unauthorized('Your session has ended; sign in again.');
    }
    request.session = session;
    if (now - session.seenAt > REFRESH_MS) setSession(reply, deps, { ...session, seenAt: now });
  });
  // After the body is parsed: a form carries its token in a field.
  app.addHook('preHandler', async (request) => {
    const auth = request.routeOptions.config?.auth;
    if ((auth !== 'session' && auth !== 'session-page') || request.method === 'GET' || request.method === 'HEAD') return;
    const sent = csrfTokenOf(request);
    if (!sent || !request.session || !sameSecret(sent, request.session.csrf)) {
      throw forbidden('This form has expired or did not come from the reports page; reload the page and try again.');
    }
  });
}

function csrfTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string' && header) return header;
  const body = request.body as { _csrf?: unknown } | undefined;
  return body && typeof body === 'object' && typeof body._csrf === 'string' ? body._csrf : undefined;
}

/** Opens a session for `person` (a sign-in), replacing any earlier one. */
export function startSession(reply: FastifyReply, deps: SessionDeps, person: Person): Session {
  const session = newSession(person, deps.clock.now());
  setSession(reply, deps, session);
  return session;
}

export function endSession(reply: FastifyReply, deps: SessionDeps): void {
  void reply.header('set-cookie', sessionCookie(SESSION_COOKIE, '', { secure: deps.secure, maxAgeS: 0 }));
}

function setSession(reply: FastifyReply, deps: SessionDeps, session: Session): void {
  // The cookie lives no longer than the session's absolute lifetime; the idle one is checked inside.
  const maxAgeS = (session.createdAt + deps.lifetimes.maxMs - deps.clock.now()) / 1000;
  void reply.header('set-cookie', sessionCookie(SESSION_COOKIE, sealSession(session, deps.key), { secure: deps.secure, maxAgeS }));
}

// Signing in to the reports page and out of it: a one-time link from `exhaust signin-link`, or
// OpenID Connect when EXHAUST_OIDC_ISSUER is set; both end in the same session cookie.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { PersonFinder } from '../../auth/identify.js';
import { userIdOf } from '../../auth/person.js';
import type { Tables } from '../../db/database.js';
import { type OidcSignIn, OIDC_COOKIE, OIDC_PENDING_MS, SignInExpired, SignInRefused } from '../../sessions/oidc.js';
import { cookieValue, sessionCookie } from '../../sessions/session.js';
import { useSigninLink } from '../../sessions/signin-link.js';
import type { Kysely } from 'kysely';
import { ApiId } from '../envelope.js';
import { sendPage } from './assets.js';
import { endSession, type SessionDeps, startSession } from './session.hook.js';

export interface SigninDeps {
  db: Kysely<Tables>;
  sessions: SessionDeps;
  /** Undefined when no OpenID provider is configured: sign-in is by link only. */
  oidc: OidcSignIn | undefined;
  persons: PersonFinder | undefined;
}

/** Where to go after signing in: a path of this site only (never another host). */
function safeNext(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') && !/[\r\n]/.test(next) ? next : '/';
}

export const signinRoutes = (deps: SigninDeps): FastifyPluginAsyncTypebox => async (app) => {
  const config = { apiId: ApiId.signin, auth: 'none' as const };
  const next = Type.Optional(Type.String({ maxLength: 2000 }));

  app.get('/signin', { config, schema: { hide: true, querystring: Type.Object({ next, signedout: Type.Optional(Type.String()) }) } }, async (request, reply) => {
    if (request.query.signedout !== undefined) return sendPage(reply, 'signed-out.html');
    // With a provider, a page of our own comes first: the browser keeps the batch the person was on
    // (the address after "#") through the redirect here, but never sends it, and the provider's
    // sign-in form drops it. The page's script adds it to `next` and goes on to /signin/start.
    return sendPage(reply, deps.oidc ? 'signin-provider.html' : 'signin.html');
  });

  app.get('/signin/start', { config, schema: { hide: true, querystring: Type.Object({ next }) } }, async (request, reply) => {
    if (!deps.oidc) return reply.redirect('/signin', 303);
    const { url, pending } = await deps.oidc.start(safeNext(request.query.next), deps.sessions.clock.now());
    void reply.header('set-cookie', sessionCookie(OIDC_COOKIE, pending, { secure: deps.sessions.secure, maxAgeS: OIDC_PENDING_MS / 1000 }));
    return reply.redirect(url, 303);
  });

  app.get('/signin/link', { config, schema: { hide: true, querystring: Type.Object({ token: Type.String({ maxLength: 200 }), next }) } }, async (request, reply) => {
    const person = await useSigninLink(deps.db, request.query.token, deps.sessions.clock.now());
    if (!person) {
      request.log.warn('a sign-in link was refused (unknown, used or expired)');
      return sendPage(reply, 'link-refused.html', 403);
    }
    startSession(reply, deps.sessions, person);
    request.log.info({ userId: person.userId, org: person.rootOrg.id }, 'signed in with a one-time link');
    return reply.redirect(safeNext(request.query.next), 303);
  });

  app.get('/signin/callback', { config, schema: { hide: true } }, async (request, reply) => {
    if (!deps.oidc || !deps.persons) return sendPage(reply, 'signin.html', 404);
    const now = deps.sessions.clock.now();
    const pending = cookieValue(request.headers.cookie, OIDC_COOKIE);
    // The sign-in's cookie is spent whatever comes of it.
    void reply.header('set-cookie', sessionCookie(OIDC_COOKIE, '', { secure: deps.sessions.secure, maxAgeS: 0 }));
    let finished;
    try {
      finished = await deps.oidc.finish(new URL(request.url, 'http://path.only').search, pending, now);
    } catch (error) {
      if (error instanceof SignInExpired) return reply.redirect('/signin', 303);
      // Cancelled or refused at the provider: a page saying so, with a way to try again (it was a 500).
      if (error instanceof SignInRefused) {
        request.log.warn({ providerError: error.providerError }, 'a sign-in was cancelled or refused at the identity provider');
        return sendPage(reply, 'signin-refused.html', 403);
      }
      throw error;
    }
    // The person as the API's user path knows them: the same verification, roles and organisation.
    const person = await deps.persons.identify(finished.accessToken, finished.subject === undefined ? undefined : userIdOf(finished.subject));
    startSession(reply, deps.sessions, person);
    request.log.info({ userId: person.userId, org: person.rootOrg.id }, 'signed in with OpenID Connect');
    return reply.redirect(safeNext(finished.next), 303);
  });

  // A page's form: an ended session goes to sign-in rather than answering JSON.
  // Sent after the session has ended (an idle tab), it goes to the signed-out page: sign-in and then
  // `next=/signout` would end on a GET nobody serves.
  app.post('/signout', { config: { ...config, auth: 'session-page', whenSignedOut: '/signin?signedout=1' }, schema: { hide: true } }, async (request, reply) => {
    endSession(reply, deps.sessions);
    request.log.info({ userId: request.session?.person.userId }, 'signed out');
    return reply.redirect('/signin?signedout=1', 303);
  });
};

// buildApp() wires the HTTP API over the domain; listen() is the caller's business (cli/, tests).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import { Ajv } from 'ajv';
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../requests/request.service.js';
import type { Services } from '../services.js';
import type { LinkSigner } from '../storage/blob-store.js';
import { LocalBlobStore } from '../storage/local/local-blob-store.js';
import { installAuth } from './auth.hook.js';
import { errorEnvelope } from './envelope.js';
import { installErrorHandlers } from './error-handler.js';
import { installMetrics } from './metrics.js';
import { installNulGuard } from './nul-guard.js';
import { pageRoutes } from './ui/page.routes.js';
import { reportsApiRoutes } from './ui/reports-api.routes.js';
import { installSessions, type SessionDeps } from './ui/session.hook.js';
import { signinRoutes } from './ui/signin.routes.js';
import { datasetRoutes } from './routes/datasets.routes.js';
import { downloadRoutes } from './routes/download.routes.js';
import { exhaustRoutes } from './routes/exhaust.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { publicFileRoutes } from './routes/public-files.routes.js';
import { recordRoutes } from './routes/records.routes.js';
import { requestEventRoutes } from './routes/request-events.routes.js';
import { requestRoutes } from './routes/requests.routes.js';
import { webhookRoutes } from './routes/webhooks.routes.js';

export type AppDeps = Pick<Services, 'config' | 'keys' | 'databases' | 'store' | 'persons' | 'oidc' | 'logger' | 'clock'>;

export const BODY_LIMIT = 1024 * 1024;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, logger, clock } = deps;
  const database = deps.databases.main;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    genReqId: () => randomUUID(),
    // One access line per request (below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // Tags and ids may be 200 characters (DESIGN §3.1); the schemas say so by name. Fastify's
    // default of 100 would answer a longer one with a bare 404.
    routerOptions: { maxParamLength: 1000 },
    // Errors Fastify meets before routing (a URL it cannot decode) get the envelope too.
    frameworkErrors: (error, request, reply) => {
      void (reply as unknown as FastifyReply).code(400).send(errorEnvelope(request, 'CLIENT_ERROR', error.code === 'FST_ERR_BAD_URL' ? 'the URL is not valid (bad percent-encoding?)' : error.message));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Query strings and headers arrive as text and need coercion ("10" → 10); a JSON body does not:
  // coercing it would turn `"tag": 42` into "42" instead of a 400.
  const coercing = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  const exact = new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? exact : coercing).compile(schema));

  installErrorHandlers(app);
  installAuth(app, { db: database.db, signIn: config.signIn, persons: deps.persons }, config.adminToken);
  installMetrics(app, database.db);
  installNulGuard(app);
  const { session } = config.signIn;
  const sessions: SessionDeps = {
    key: deps.keys.sessions,
    lifetimes: { idleMs: session.idleMinutes * 60_000, maxMs: session.maxHours * 3_600_000 },
    secure: config.publicUrl.startsWith('https:'),
    clock,
  };
  installSessions(app, sessions);
  // The reports page's sign-out is a plain HTML form.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  // A callback hook, not an async one: no promise per request. The line is built only when the
  // level writes it (the bench and quiet deployments run at warn).
  app.addHook('onResponse', (request, reply, done) => {
    if (logger.isLevelEnabled('info')) {
      // The path without its query: signed links carry their signature there.
      request.log.info({ method: request.method, path: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    }
    done();
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'data-exhaust', version: '1.0', description: 'On-demand reports and daily exhaust files, Sunbird-compatible.' },
      components: { securitySchemes: { admin: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const ctx: RequestContext = {
    db: database.db,
    clock,
    timeZone: config.timeZone,
    storedKeysKey: deps.keys.storedKeys,
    ondemandRoles: config.signIn.ondemandRoles,
    sign: linkSigner(deps),
  };
  await app.register(requestRoutes(ctx));
  await app.register(requestEventRoutes(database.db));
  await app.register(webhookRoutes({ db: database.db, clock, storedKeysKey: deps.keys.storedKeys, allowPrivate: config.webhookAllowPrivate }));
  await app.register(reportsApiRoutes(ctx));
  await app.register(signinRoutes({ db: database.db, sessions, oidc: deps.oidc, persons: deps.persons }));
  await app.register(pageRoutes);
  await app.register(datasetRoutes(database.db, clock));
  await app.register(healthRoutes(database.db));
  await app.register(recordRoutes(deps.databases, config));
  // The local store's signed links are served by the API itself; cloud stores serve their own.
  if (deps.store instanceof LocalBlobStore) await app.register(downloadRoutes(deps.store, clock, { db: database.db, container: config.container }));
  await app.register(exhaustRoutes({ config, store: deps.store, clock }));
  // Public exhaust links point at EXHAUST_CDN_URL; by default that is the service itself.
  if (deps.store instanceof LocalBlobStore) await app.register(publicFileRoutes(deps.store, config.publicContainer));
  return app;
}

/** Signs artefact keys of the private container for EXHAUST_URL_TTL_MINUTES. */
export function linkSigner({ store, config, clock }: Pick<AppDeps, 'store' | 'config' | 'clock'>): LinkSigner {
  return async (keys) => {
    const expiresAt = clock.now() + config.urlTtlMinutes * 60_000;
    const urls = await Promise.all(keys.map((key) => store.signedUrl(config.container, key, expiresAt)));
    return { urls, expiresAt };
  };
}

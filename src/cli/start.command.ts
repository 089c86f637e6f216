import { buildApp } from '../api/app.js';
import { loadConfig } from '../config.js';
import { migrateToLatest, pendingMigrations } from '../db/migrate.js';
import { formatDemoSession } from '../demo/demo-session.js';
import { loadDemoIfEmpty } from '../demo/first-run.js';
import { closeServices, openServices } from '../services.js';
import { Sweeper } from '../sweeper/sweeper.js';
import { WebhookDeliverer } from '../webhooks/deliverer.js';
import { Worker } from '../worker/worker.js';
import { UsageError } from './usage-error.js';

export interface StartWhat {
  /** Serve the HTTP API. */
  api: boolean;
  /** Run a worker building requests. */
  worker: boolean;
  /** Bring the schema up to date first (`start`); otherwise refuse to run on an old schema. */
  migrate: boolean;
}

/**
 * Runs the API and/or a worker until SIGTERM/SIGINT, then: stop accepting, finish in-flight calls,
 * stop the worker (in-flight requests finish or are released for another worker), close the pool, exit 0.
 */
export async function startCommand(_args: string[], what: StartWhat): Promise<number> {
  const config = loadConfig();
  const services = await openServices(config);
  const { logger } = services;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  let worker: Worker | undefined;
  // Runs where workers run: deletes expired reports and what failed, cancelled or dead builds left.
  let sweeper: Sweeper | undefined;
  // Runs where workers run too: delivers the completion webhooks.
  let deliverer: WebhookDeliverer | undefined;
  try {
    if (what.migrate) {
      await migrateToLatest(services.databases.main);
      // A newcomer's first start shows the product: a demo channel and a session to paste.
      const demo = await loadDemoIfEmpty(services);
      if (demo) process.stdout.write(formatDemoSession(demo, { color: process.stdout.isTTY }) + '\n');
    } else {
      const pending = await pendingMigrations(services.databases.main);
      // Several processes share one database: the schema is brought up to date once, on purpose.
      if (pending.length > 0) throw new UsageError(`the database schema is not up to date (pending: ${pending.join(', ')}); run 'exhaust migrate' first`);
    }
    if (what.api) {
      app = await buildApp(services);
      await app.listen({ port: config.port, host: config.host });
      logger.info({ url: `http://${config.host}:${config.port}`, database: config.database.dialect }, 'data-exhaust is listening');
      if (!config.adminToken) logger.warn('EXHAUST_ADMIN_TOKEN is unset: the internal routes (search, dataset registry, record import, publish) refuse every call');
    }
    if (what.worker) {
      worker = new Worker(services);
      worker.start();
      sweeper = new Sweeper(services);
      sweeper.start();
      deliverer = new WebhookDeliverer(services);
      deliverer.start();
    }
  } catch (error) {
    await app?.close();
    await worker?.stop();
    await sweeper?.stop();
    await deliverer?.stop();
    await closeServices(services);
    throw error;
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'shutting down: finishing in-flight requests');
  await Promise.all([app?.close(), worker?.stop(), sweeper?.stop(), deliverer?.stop()]);
  await closeServices(services);
  logger.info('stopped');
  return 0;
}

import { buildApp } from '../api/app.js';
import { loadConfig } from '../config.js';
import { migrateToLatest } from '../db/migrate.js';
import { closeServices, openServices } from '../main.js';

/** Migrate, then serve until SIGTERM/SIGINT: stop accepting, finish in-flight calls, close the pool, exit 0. */
export async function startCommand(_args: string[], _what: { api: boolean }): Promise<number> {
  const config = loadConfig();
  const services = openServices(config);
  const { logger } = services;
  await migrateToLatest(services.database);
  const app = await buildApp(services);
  await app.listen({ port: config.port, host: config.host });
  logger.info({ url: `http://${config.host}:${config.port}`, database: config.database.dialect }, 'data-exhaust is listening');

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'shutting down: finishing in-flight requests');
  await app.close();
  await closeServices(services);
  logger.info('stopped');
  return 0;
}

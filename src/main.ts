// Composition root: builds { config, database, store, logger, clock } once for whatever command runs.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { connectDatabase } from './db/connect.js';
import type { Database } from './db/database.js';
import { createLogger } from './logger.js';
import { deriveKey } from './secrets.js';
import type { BlobStore } from './storage/blob-store.js';
import { LocalBlobStore } from './storage/local/local-blob-store.js';
import { type Clock, systemClock } from './time.js';

export interface Services {
  config: Config;
  database: Database;
  store: BlobStore;
  logger: Logger;
  clock: Clock;
}

export function openServices(config: Config, overrides: Partial<Pick<Services, 'logger' | 'clock' | 'database'>> = {}): Services {
  return {
    config,
    database: overrides.database ?? connectDatabase(config.database),
    store: createBlobStore(config),
    logger: overrides.logger ?? createLogger(config.logLevel),
    clock: overrides.clock ?? systemClock,
  };
}

export function createBlobStore(config: Config): BlobStore {
  return new LocalBlobStore(join(config.dataDir, 'storage'), config.publicUrl, deriveKey(config.secret, 'signed-urls'));
}

export async function closeServices(services: Services): Promise<void> {
  await services.store.close?.();
  await services.database.close();
}

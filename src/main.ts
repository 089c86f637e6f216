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

export async function openServices(config: Config, overrides: Partial<Pick<Services, 'logger' | 'clock' | 'database'>> = {}): Promise<Services> {
  const store = await createBlobStore(config);
  return {
    config,
    database: overrides.database ?? connectDatabase(config.database),
    store,
    logger: overrides.logger ?? createLogger(config.logLevel),
    clock: overrides.clock ?? systemClock,
  };
}

/**
 * The one place that picks a blob store (EXHAUST_STORAGE). Nothing is contacted until first use.
 * The cloud SDKs are loaded only for the store configured: together they weigh ~50 MB of resident
 * memory in every process, the worker's included, that never talks to them.
 */
export async function createBlobStore(config: Config): Promise<BlobStore> {
  const storage = config.storage;
  switch (storage.kind) {
    case 'file':
      return new LocalBlobStore(join(config.dataDir, 'storage'), config.publicUrl, deriveKey(config.secret, 'signed-urls'));
    case 'azure': {
      const { AzureBlobStore } = await import('./storage/azure/azure-blob-store.js');
      return new AzureBlobStore(storage.connectionString);
    }
    case 's3': {
      const { S3BlobStore } = await import('./storage/s3/s3-blob-store.js');
      return new S3BlobStore(storage);
    }
  }
}

export async function closeServices(services: Services): Promise<void> {
  await services.store.close?.();
  await services.database.close();
}

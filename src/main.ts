// Composition root: builds { config, database, store, logger, clock } once for whatever command runs.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { connectDatabase } from './db/connect.js';
import type { Database } from './db/database.js';
import { createLogger } from './logger.js';
import { deriveKey } from './secrets.js';
import { AzureBlobStore } from './storage/azure/azure-blob-store.js';
import type { BlobStore } from './storage/blob-store.js';
import { LocalBlobStore } from './storage/local/local-blob-store.js';
import { S3BlobStore } from './storage/s3/s3-blob-store.js';
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

/** The one place that picks a blob store (EXHAUST_STORAGE). Nothing is contacted until first use. */
export function createBlobStore(config: Config): BlobStore {
  const storage = config.storage;
  switch (storage.kind) {
    case 'file':
      return new LocalBlobStore(join(config.dataDir, 'storage'), config.publicUrl, deriveKey(config.secret, 'signed-urls'));
    case 'azure':
      return new AzureBlobStore(storage.connectionString);
    case 's3':
      return new S3BlobStore(storage);
  }
}

export async function closeServices(services: Services): Promise<void> {
  await services.store.close?.();
  await services.database.close();
}

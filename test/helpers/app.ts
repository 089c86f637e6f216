// An app over a real test database, with its log captured so tests can read what was written.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { addConsumerChannel } from '../../src/auth/consumer-channel.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { closeServices, openServices, type Services } from '../../src/services.js';
import { TestClock } from './clock.js';
import { databaseUrlOf } from './cli.js';
import type { TestDatabase } from './databases.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const CONSUMER = 'consumer-1';

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  clock: TestClock;
  config: Config;
  /** Everything the app logged so far. */
  log(): string;
  close(): Promise<void>;
}

export async function startTestApp(database: TestDatabase, env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'exhaust-app-'));
  const config = loadConfig({
    EXHAUST_DATA_DIR: dataDir,
    // The config names the very database the app uses, for what opens connections of its own.
    DATABASE_URL: databaseUrlOf(database),
    EXHAUST_ADMIN_TOKEN: ADMIN_TOKEN,
    EXHAUST_LOG_LEVEL: 'debug',
    ...env,
  });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const clock = new TestClock();
  // The root opens what the service would (the store, SQLite's report and import connections) around this database.
  const services = await openServices(config, { database, logger: createLogger('debug', sink), clock });
  const app = await buildApp(services);
  await app.ready();
  return {
    app,
    services,
    clock,
    config,
    log: () => lines.join(''),
    async close() {
      await app.close();
      await closeServices(services);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Maps `consumer` to each channel, as `exhaust consumer add` does. */
export async function allowChannels(database: TestDatabase, channels: string[], consumer = CONSUMER): Promise<void> {
  for (const channel of channels) await addConsumerChannel(database.db, consumer, channel, Date.now());
}

export const channelHeaders = (channel: string, consumer = CONSUMER) => ({ 'x-channel-id': channel, 'x-consumer-id': consumer });
export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

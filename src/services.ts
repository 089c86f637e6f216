// The composition root: the one module that opens the service's resources — database connections
// by role, the blob store, the keys derived from the secret — hands them to the API, the worker and
// the CLI commands, and closes them again, in reverse order. Nothing else opens a connection
// (the lint rule on db/connect.js holds this).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type PersonFinder, personFinder } from './auth/identify.js';
import { type OidcSignIn, oidcSignIn } from './sessions/oidc.js';
import { type Config, ConfigError } from './config.js';
import { connectDatabase } from './db/connect.js';
import type { Database } from './db/database.js';
import { createLogger } from './logger.js';
import { deriveKey } from './secrets.js';
import type { BlobStore } from './storage/blob-store.js';
import { LocalBlobStore } from './storage/local/local-blob-store.js';
import { type Clock, systemClock } from './time.js';

/** Keys derived from EXHAUST_SECRET, once per process, one per purpose. */
export interface Keys {
  /** Seals encryption keys at rest (AES-256-GCM). */
  readonly storedKeys: Buffer;
  /** Signs the local store's download links (HMAC). */
  readonly signedUrls: Buffer;
  /** Seals the reports page's session cookies (AES-256-GCM). */
  readonly sessions: Buffer;
}

/**
 * Connections by what they are used for. On PostgreSQL every role shares the one pool (each
 * statement or stream takes a client of its own). On SQLite a connection runs one thing at a time,
 * so the long-running roles get connections of their own, opened at their first use.
 */
export interface Databases {
  /** Short statements: the API, the worker's queue, the CLI. */
  readonly main: Database;
  /**
   * Report reads. SQLite: a read-only connection, so a streamed report (which holds its connection
   * from first row to last) never makes the API wait.
   */
  readonly reports: Database;
  /**
   * Record imports. SQLite: a connection of its own, so the API keeps reading (WAL) while a file's
   * one transaction writes; the API's writes wait for the lock.
   */
  readonly imports: Database;
}

export interface Services {
  readonly config: Config;
  readonly keys: Keys;
  readonly databases: Databases;
  readonly store: BlobStore;
  /** Who a user token belongs to (JWT and/or Sunbird's user service); undefined when neither is configured. */
  readonly persons: PersonFinder | undefined;
  /** OpenID Connect sign-in of the reports page; undefined when EXHAUST_OIDC_ISSUER is unset. */
  readonly oidc: OidcSignIn | undefined;
  readonly logger: Logger;
  readonly clock: Clock;
}

/** What a caller (a test, the bench) brings itself; the root then neither opens nor closes it. */
export type Supplied = Partial<Pick<Services, 'logger' | 'clock'> & { database: Database }>;

const owned = new WeakMap<Services, () => Promise<void>>();

export async function openServices(config: Config, supplied: Supplied = {}): Promise<Services> {
  const keys = keysOf(config);
  const closers: (() => Promise<void>)[] = [];
  const main = supplied.database ?? connectDatabase(config.database);
  if (!supplied.database) closers.push(() => main.close());
  const databases = main.dialect === 'postgres' ? { main, reports: main, imports: main } : sqliteRoles(config, main, closers);
  const store = await createBlobStore(config, keys);
  closers.push(async () => store.close?.());
  const clock = supplied.clock ?? systemClock;
  const services: Services = {
    config,
    keys,
    databases,
    store,
    persons: await openPersonFinder(config, clock),
    oidc: config.signIn.oidc ? oidcSignIn(config.signIn.oidc, keys.sessions) : undefined,
    logger: supplied.logger ?? createLogger(config.logLevel),
    clock,
  };
  owned.set(services, async () => {
    // Reverse order of opening: the store, then the connections opened for a role, then the main one.
    for (const close of closers.reverse()) await close();
  });
  return services;
}

export async function closeServices(services: Services): Promise<void> {
  const close = owned.get(services);
  owned.delete(services);
  await close?.();
}

/**
 * The identity providers configured for the user path. Each is loaded only when configured (jose
 * alone is ~10 ms of a CLI call); the key files named by EXHAUST_JWT_PUBLIC_KEYS are read here.
 */
async function openPersonFinder(config: Config, clock: Clock): Promise<PersonFinder | undefined> {
  const { jwt, userService } = config.signIn;
  let verifier;
  if (jwt) {
    const publicKeys = jwt.publicKeyFiles.map((path) => {
      try {
        return { path, text: readFileSync(path, 'utf8') };
      } catch {
        throw new ConfigError(`EXHAUST_JWT_PUBLIC_KEYS names ${path}, which cannot be read`);
      }
    });
    const { jwtIdentity } = await import('./auth/jwt-identity.js');
    verifier = jwtIdentity({ ...jwt, jwksRefetchMs: jwt.jwksRefetchSeconds * 1000, publicKeys: publicKeys.length > 0 ? publicKeys : undefined }, clock);
  }
  let directory;
  if (userService) {
    const { userServiceIdentity } = await import('./auth/user-service-identity.js');
    directory = userServiceIdentity({ ...userService, now: () => clock.now() });
  }
  return personFinder(verifier, directory);
}

/** SQLite's role connections, each opened at its first use: `exhaust api` never opens a report connection. */
function sqliteRoles(config: Config, main: Database, closers: (() => Promise<void>)[]): Databases {
  const lazily = (open: () => Database) => {
    let database: Database | undefined;
    closers.push(async () => database?.close());
    return () => (database ??= open());
  };
  const reports = lazily(() => connectDatabase(config.database, { readonly: true }));
  const imports = lazily(() => connectDatabase(config.database));
  return {
    main,
    get reports() {
      return reports();
    },
    get imports() {
      return imports();
    },
  };
}

/**
 * The one place that picks a blob store (EXHAUST_STORAGE). Nothing is contacted until first use.
 * The cloud SDKs are loaded only for the store configured: together they weigh ~50 MB of resident
 * memory in every process, the worker's included, that never talks to them.
 */
export async function createBlobStore(config: Config, keys: Pick<Keys, 'signedUrls'>): Promise<BlobStore> {
  const storage = config.storage;
  switch (storage.kind) {
    case 'file':
      return new LocalBlobStore(join(config.dataDir, 'storage'), config.publicUrl, keys.signedUrls);
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

/** The keys of a configuration, for a command that needs no other resource (`exhaust publish`). */
export function keysOf(config: Config): Keys {
  const secret = secretOf(config);
  return Object.freeze({ storedKeys: deriveKey(secret, 'stored-keys'), signedUrls: deriveKey(secret, 'signed-urls'), sessions: deriveKey(secret, 'sessions') });
}

/**
 * EXHAUST_SECRET, or the secret generated once into <dataDir>/secret and kept there, so that links
 * and stored keys survive restarts. Several processes starting at once agree on one file.
 */
export function secretOf(config: Pick<Config, 'secret' | 'dataDir'>): string {
  if (config.secret !== undefined) return config.secret;
  const file = join(config.dataDir, 'secret');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length < 32) throw new ConfigError(`EXHAUST_SECRET is unset and ${file} holds fewer than 32 characters`);
    return stored;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const generated = randomBytes(32).toString('hex');
  try {
    writeFileSync(file, generated + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process started at the same moment and wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return secretOf(config);
    throw error;
  }
  return generated;
}

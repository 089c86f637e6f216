// The only reader of the environment. Everything the service can be told lives here, validated and
// frozen before anything starts; a bad value stops start-up with one line naming the variable.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type Dialect = 'sqlite' | 'postgres';

export interface Config {
  /** PORT — TCP port of the API. Default 8080. */
  readonly port: number;
  /** HOST — interface the API binds to. Default 127.0.0.1. */
  readonly host: string;
  /** EXHAUST_DATA_DIR — SQLite file, local blob storage, generated secret. Default ./data. */
  readonly dataDir: string;
  /** DATABASE_URL — `postgres://…` selects PostgreSQL; default SQLite at <dataDir>/exhaust.db. */
  readonly database: { readonly dialect: Dialect; readonly url: string };
  /** EXHAUST_ADMIN_TOKEN — bearer token of the internal routes; unset disables them (403). */
  readonly adminToken: string | undefined;
  /** EXHAUST_SECRET — encrypts stored keys and signs links; generated into <dataDir>/secret when unset. */
  readonly secret: string;
  /** EXHAUST_TZ — IANA zone of request-id dates and date ranges. Default UTC. */
  readonly timeZone: string;
  /** EXHAUST_URL_TTL_MINUTES — lifetime of signed download links, minutes. Default 30. */
  readonly urlTtlMinutes: number;
  /** EXHAUST_LOG_LEVEL — pino level. Default info. */
  readonly logLevel: string;
  /** EXHAUST_PUBLIC_URL — base of the links the local blob store signs. Default http://<HOST>:<PORT>. */
  readonly publicUrl: string;
  /** EXHAUST_CONTAINER — container of artefacts and standard exhaust files. Default reports. */
  readonly container: string;
  /** EXHAUST_PUBLIC_CONTAINER — container of public exhaust files. Default public. */
  readonly publicContainer: string;
  /** EXHAUST_WORKER_CONCURRENCY — requests one worker process builds at once. Default 2. */
  readonly workerConcurrency: number;
  /** EXHAUST_WORKER_POLL_MS — pause between claims when the queue is empty, ms. Default 1000. */
  readonly workerPollMs: number;
  /** EXHAUST_LEASE_SECONDS — how long a claim holds without renewal, seconds. Default 60. */
  readonly leaseSeconds: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const port = integer(read, 'PORT', 8080, 0, 65535);
  const host = read('HOST') ?? '127.0.0.1';
  const dataDir = resolve(read('EXHAUST_DATA_DIR') ?? './data');
  const config: Config = {
    port,
    host,
    dataDir,
    database: databaseFrom(read('DATABASE_URL'), dataDir),
    adminToken: adminToken(read('EXHAUST_ADMIN_TOKEN')),
    secret: secretFrom(read('EXHAUST_SECRET'), dataDir),
    timeZone: timeZone(read('EXHAUST_TZ') ?? 'UTC'),
    urlTtlMinutes: integer(read, 'EXHAUST_URL_TTL_MINUTES', 30, 1, 7 * 24 * 60),
    logLevel: oneOf('EXHAUST_LOG_LEVEL', read('EXHAUST_LOG_LEVEL') ?? 'info', LOG_LEVELS),
    publicUrl: publicUrl(read('EXHAUST_PUBLIC_URL') ?? `http://${host}:${port}`),
    container: containerName('EXHAUST_CONTAINER', read('EXHAUST_CONTAINER') ?? 'reports'),
    publicContainer: containerName('EXHAUST_PUBLIC_CONTAINER', read('EXHAUST_PUBLIC_CONTAINER') ?? 'public'),
    workerConcurrency: integer(read, 'EXHAUST_WORKER_CONCURRENCY', 2, 1, 64),
    workerPollMs: integer(read, 'EXHAUST_WORKER_POLL_MS', 1000, 10, 60_000),
    leaseSeconds: integer(read, 'EXHAUST_LEASE_SECONDS', 60, 5, 3600),
  };
  return Object.freeze(config);
}

function integer(read: (n: string) => string | undefined, name: string, fallback: number, min: number, max: number): number {
  const raw = read(name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not an integer between ${min} and ${max}`);
  }
  return Number(raw);
}

function oneOf(name: string, value: string, allowed: string[]): string {
  if (!allowed.includes(value)) throw new ConfigError(`${name}=${JSON.stringify(value)} must be one of ${allowed.join(', ')}`);
  return value;
}

function databaseFrom(url: string | undefined, dataDir: string): Config['database'] {
  if (url === undefined) return { dialect: 'sqlite', url: join(dataDir, 'exhaust.db') };
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      new URL(url);
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid postgres:// URL');
    }
    return { dialect: 'postgres', url };
  }
  if (url.startsWith('sqlite:')) return { dialect: 'sqlite', url: resolve(url.slice('sqlite:'.length).replace(/^\/\//, '')) };
  // Never echo the value: a mistyped URL may still carry a password.
  throw new ConfigError('DATABASE_URL must start with postgres:// or sqlite: (unset means SQLite in EXHAUST_DATA_DIR)');
}

function adminToken(token: string | undefined): string | undefined {
  if (token !== undefined && token.length < 16) throw new ConfigError('EXHAUST_ADMIN_TOKEN must be at least 16 characters');
  return token;
}

function secretFrom(secret: string | undefined, dataDir: string): string {
  if (secret !== undefined) {
    if (secret.length < 32) throw new ConfigError('EXHAUST_SECRET must be at least 32 characters');
    return secret;
  }
  // Generated once and kept beside the database, so links and stored keys survive restarts.
  const file = join(dataDir, 'secret');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length < 32) throw new ConfigError(`EXHAUST_SECRET is unset and ${file} holds fewer than 32 characters`);
    return stored;
  }
  mkdirSync(dataDir, { recursive: true });
  const generated = randomBytes(32).toString('hex');
  try {
    writeFileSync(file, generated + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process started at the same moment and wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return secretFrom(undefined, dataDir);
    throw error;
  }
  return generated;
}

// The strictest of the stores' rules (Azure's), so a name works on every backend.
function containerName(name: string, value: string): string {
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(value)) {
    throw new ConfigError(`${name}=${JSON.stringify(value)} must be 3–63 lower-case letters, digits or single hyphens`);
  }
  return value;
}

function timeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    throw new ConfigError(`EXHAUST_TZ=${JSON.stringify(zone)} is not an IANA time zone (e.g. UTC, Asia/Kolkata)`);
  }
}

function publicUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error();
    return url.replace(/\/+$/, '');
  } catch {
    throw new ConfigError(`EXHAUST_PUBLIC_URL=${JSON.stringify(url)} is not an http(s) URL`);
  }
}

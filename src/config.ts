// The only reader of the environment. Everything the service can be told lives here, validated and
// frozen before anything starts. Every bad value is reported at once, one line each naming its
// variable, as Fastify reports its options. No file is read or written here: the generated secret
// is the composition root's business (services.ts).
import { join, resolve } from 'node:path';
import { type Check, ConfigError, integer, type Read, serviceUrlOf } from './config-values.js';
import { type SignInConfig, signInSettings } from './sign-in-config.js';

export { ConfigError } from './config-values.js';
export type { JwtConfig, SignInConfig, UserServiceConfig } from './sign-in-config.js';

export type Dialect = 'sqlite' | 'postgres';

/** Where blobs live; each kind carries its own settings. */
export type StorageConfig =
  | { readonly kind: 'file' }
  | {
      readonly kind: 'azure';
      /** AZURE_STORAGE_CONNECTION_STRING — must carry AccountName and AccountKey (the key signs SAS links). */
      readonly connectionString: string;
    }
  | {
      readonly kind: 's3';
      /** S3_ENDPOINT — http(s) URL of an S3-compatible server; unset means AWS. */
      readonly endpoint: string | undefined;
      /** S3_REGION — signing region. Default us-east-1. */
      readonly region: string;
      /** S3_ACCESS_KEY_ID — required. */
      readonly accessKeyId: string;
      /** S3_SECRET_ACCESS_KEY — required. */
      readonly secretAccessKey: string;
      /** S3_FORCE_PATH_STYLE — `<endpoint>/<bucket>/<key>` URLs. Default true when S3_ENDPOINT is set, else false. */
      readonly forcePathStyle: boolean;
    };

export const STORAGE_KINDS = ['file', 'azure', 's3'] as const;

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
  /** EXHAUST_SECRET — encrypts stored keys and signs links; unset means the one generated into <dataDir>/secret (services.ts). */
  readonly secret: string | undefined;
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
  /** EXHAUST_STORAGE — `file` (default: under <dataDir>/storage), `azure` or `s3`, with that store's settings. */
  readonly storage: StorageConfig;
  /** EXHAUST_WORKER_CONCURRENCY — requests one worker process builds at once. Default 2. */
  readonly workerConcurrency: number;
  /** EXHAUST_WORKER_POLL_MS — pause between claims when the queue is empty, ms. Default 1000. */
  readonly workerPollMs: number;
  /** EXHAUST_LEASE_SECONDS — how long a claim holds without renewal, seconds. Default 60. */
  readonly leaseSeconds: number;
  /** EXHAUST_MAX_LEASE_LOSSES — times a request's worker may die (lease lost) before it is FAILED. Default 5. */
  readonly maxLeaseLosses: number;
  /** EXHAUST_MAX_RUNNING_PER_CHANNEL — requests of one channel built at once while other channels wait. Default 2. */
  readonly maxRunningPerChannel: number;
  /** EXHAUST_RETENTION_DAYS — how long a SUCCESS request's artefacts are kept after it completed, days (a decimal, > 0). Default 7. */
  readonly retentionDays: number;
  /** EXHAUST_SWEEP_INTERVAL_SECONDS — pause between two rounds of the sweeper, seconds. Default 300. */
  readonly sweepIntervalSeconds: number;
  /** EXHAUST_STANDARD_DATASETS — datasets of the standard (per-channel) exhaust, comma-separated. Default raw,summary,summary-rollup,summary-channel-exhaust. */
  readonly standardDatasets: readonly string[];
  /** EXHAUST_PUBLIC_DATASETS — datasets of the public exhaust, comma-separated. Default summary-rollup,public-summary-rollup. */
  readonly publicDatasets: readonly string[];
  /** EXHAUST_STANDARD_MAX_DAYS — longest standard range, days (to − from). Default 10. */
  readonly standardMaxDays: number;
  /** EXHAUST_PUBLIC_MAX_DAYS — longest public range, days (to − from). Default 30. */
  readonly publicMaxDays: number;
  /** EXHAUST_PUBLIC_MAX_AGE_MONTHS — how far back a public range may start, months. Default 2. */
  readonly publicMaxAgeMonths: number;
  /** EXHAUST_CDN_URL — base of public exhaust links (`<base>/<key>`), the root of the public container. Default <publicUrl>/public-files. */
  readonly cdnUrl: string;
  /** EXHAUST_WEBHOOK_ALLOW_PRIVATE — let webhooks reach loopback and private addresses (a test receiver, an internal service). Default false. */
  readonly webhookAllowPrivate: boolean;
  /** EXHAUST_WEBHOOK_TIMEOUT_SECONDS — how long a webhook delivery waits for its answer, seconds. Default 10. */
  readonly webhookTimeoutSeconds: number;
  /** EXHAUST_DEMO — load the first-run demo into an empty database at `exhaust start`. Default true; `0` disables. */
  readonly demo: boolean;
  /** The user path: who may act as a signed-in person, and how the person is known. */
  readonly signIn: SignInConfig;
}

type Env = Record<string, string | undefined>;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const read: Read = (name) => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const problems: string[] = [];
  const check: Check = (parse, fallback) => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return fallback;
    }
  };
  const port = check(() => integer(read, 'PORT', 8080, 0, 65535), 8080);
  const host = read('HOST') ?? '127.0.0.1';
  const dataDir = resolve(read('EXHAUST_DATA_DIR') ?? './data');
  const serviceUrl = check(() => linkBase('EXHAUST_PUBLIC_URL', read('EXHAUST_PUBLIC_URL') ?? `http://${host}:${port}`), `http://${host}:${port}`);
  const config: Config = {
    port,
    host,
    dataDir,
    database: check(() => databaseFrom(read('DATABASE_URL'), dataDir), { dialect: 'sqlite', url: '' }),
    adminToken: check(() => adminToken(read('EXHAUST_ADMIN_TOKEN')), undefined),
    secret: check(() => secretFrom(read('EXHAUST_SECRET')), undefined),
    timeZone: check(() => timeZone(read('EXHAUST_TZ') ?? 'UTC'), 'UTC'),
    urlTtlMinutes: check(() => integer(read, 'EXHAUST_URL_TTL_MINUTES', 30, 1, 7 * 24 * 60), 30),
    logLevel: check(() => oneOf('EXHAUST_LOG_LEVEL', read('EXHAUST_LOG_LEVEL') ?? 'info', LOG_LEVELS), 'info'),
    publicUrl: serviceUrl,
    container: check(() => containerName('EXHAUST_CONTAINER', read('EXHAUST_CONTAINER') ?? 'reports'), 'reports'),
    publicContainer: check(() => containerName('EXHAUST_PUBLIC_CONTAINER', read('EXHAUST_PUBLIC_CONTAINER') ?? 'public'), 'public'),
    storage: storageFrom(read, check),
    workerConcurrency: check(() => integer(read, 'EXHAUST_WORKER_CONCURRENCY', 2, 1, 64), 2),
    workerPollMs: check(() => integer(read, 'EXHAUST_WORKER_POLL_MS', 1000, 10, 60_000), 1000),
    leaseSeconds: check(() => integer(read, 'EXHAUST_LEASE_SECONDS', 60, 5, 3600), 60),
    maxLeaseLosses: check(() => integer(read, 'EXHAUST_MAX_LEASE_LOSSES', 5, 1, 100), 5),
    maxRunningPerChannel: check(() => integer(read, 'EXHAUST_MAX_RUNNING_PER_CHANNEL', 2, 1, 1000), 2),
    retentionDays: check(() => days(read, 'EXHAUST_RETENTION_DAYS', 7), 7),
    sweepIntervalSeconds: check(() => integer(read, 'EXHAUST_SWEEP_INTERVAL_SECONDS', 300, 1, 86_400), 300),
    ...exhaustSettings(read, check, serviceUrl),
    webhookAllowPrivate: check(() => boolean('EXHAUST_WEBHOOK_ALLOW_PRIVATE', read('EXHAUST_WEBHOOK_ALLOW_PRIVATE'), false), false),
    webhookTimeoutSeconds: check(() => integer(read, 'EXHAUST_WEBHOOK_TIMEOUT_SECONDS', 10, 1, 120), 10),
    demo: check(() => boolean('EXHAUST_DEMO', read('EXHAUST_DEMO'), true), true),
    signIn: signInSettings(read, check, serviceUrl),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

const EXHAUST_DATASET = /^(?!\.+$)[A-Za-z0-9_.-]{1,200}$/;

/** The daily exhaust files (standard and public): datasets, range limits, CDN base. */
function exhaustSettings(read: Read, check: Check, serviceUrl: string) {
  return {
    standardDatasets: check(() => datasetList('EXHAUST_STANDARD_DATASETS', read('EXHAUST_STANDARD_DATASETS') ?? 'raw,summary,summary-rollup,summary-channel-exhaust'), []),
    publicDatasets: check(() => datasetList('EXHAUST_PUBLIC_DATASETS', read('EXHAUST_PUBLIC_DATASETS') ?? 'summary-rollup,public-summary-rollup'), []),
    standardMaxDays: check(() => integer(read, 'EXHAUST_STANDARD_MAX_DAYS', 10, 0, 3660), 10),
    publicMaxDays: check(() => integer(read, 'EXHAUST_PUBLIC_MAX_DAYS', 30, 0, 3660), 30),
    publicMaxAgeMonths: check(() => integer(read, 'EXHAUST_PUBLIC_MAX_AGE_MONTHS', 2, 1, 1200), 2),
    cdnUrl: check(() => linkBase('EXHAUST_CDN_URL', read('EXHAUST_CDN_URL') ?? `${serviceUrl}/public-files`), serviceUrl),
  };
}

// Dataset ids become a storage key segment: no '/', no '.' or '..', nothing a URL must escape.
function datasetList(name: string, value: string): readonly string[] {
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = ids.find((id) => !EXHAUST_DATASET.test(id));
  if (ids.length === 0 || bad !== undefined) {
    throw new ConfigError(`${name}=${JSON.stringify(value)} must be a comma-separated list of dataset ids (letters, digits, _ . -)`);
  }
  return Object.freeze([...new Set(ids)]);
}

/** A number of days > 0, decimals allowed (0.0001 keeps reports for about 9 s: tests, demos); at most 100 years. */
function days(read: Read, name: string, fallback: number): number {
  const raw = read(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || value <= 0 || value > 36_500) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a number of days greater than 0 (e.g. 7 or 0.5)`);
  }
  return value;
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

function secretFrom(secret: string | undefined): string | undefined {
  if (secret !== undefined && secret.length < 32) throw new ConfigError('EXHAUST_SECRET must be at least 32 characters');
  return secret;
}

// The strictest of the stores' rules (Azure's), so a name works on every backend.
function containerName(name: string, value: string): string {
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(value)) {
    throw new ConfigError(`${name}=${JSON.stringify(value)} must be 3–63 lower-case letters, digits or single hyphens`);
  }
  return value;
}

function storageFrom(read: Read, check: Check): StorageConfig {
  const kind = check(() => oneOf('EXHAUST_STORAGE', read('EXHAUST_STORAGE') ?? 'file', [...STORAGE_KINDS]) as StorageConfig['kind'], 'file');
  const required = (name: string): string => {
    const value = read(name);
    if (value === undefined) throw new ConfigError(`${name} is required when EXHAUST_STORAGE=${kind}`);
    return value;
  };
  switch (kind) {
    case 'file':
      return Object.freeze({ kind });
    case 'azure':
      return Object.freeze({ kind, connectionString: check(() => azureConnectionString(required('AZURE_STORAGE_CONNECTION_STRING')), '') });
    case 's3': {
      const endpoint = check(() => httpUrl('S3_ENDPOINT', read('S3_ENDPOINT')), undefined);
      return Object.freeze({
        kind,
        endpoint,
        region: check(() => s3Region(read('S3_REGION') ?? 'us-east-1'), 'us-east-1'),
        accessKeyId: check(() => required('S3_ACCESS_KEY_ID'), ''),
        secretAccessKey: check(() => required('S3_SECRET_ACCESS_KEY'), ''),
        forcePathStyle: check(() => boolean('S3_FORCE_PATH_STYLE', read('S3_FORCE_PATH_STYLE'), read('S3_ENDPOINT') !== undefined), false),
      });
    }
  }
}

function azureConnectionString(connectionString: string): string {
  // Never echo it: it holds the account key. Only the account key can sign SAS links.
  const fields = new Set(connectionString.split(';').map((part) => part.split('=')[0]!.trim().toLowerCase()));
  const development = /(^|;)\s*UseDevelopmentStorage\s*=\s*true\s*(;|$)/i.test(connectionString);
  if (!development && !(fields.has('accountname') && fields.has('accountkey'))) {
    throw new ConfigError('AZURE_STORAGE_CONNECTION_STRING must hold AccountName=…;AccountKey=… (a SAS-only connection string cannot sign download links)');
  }
  return connectionString;
}

function s3Region(region: string): string {
  if (!/^[a-z0-9-]{1,64}$/i.test(region)) throw new ConfigError(`S3_REGION=${JSON.stringify(region)} is not a region name (e.g. us-east-1)`);
  return region;
}

function boolean(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new ConfigError(`${name}=${JSON.stringify(raw)} must be 1, true or yes, or 0, false or no`);
}

/** An S3 endpoint: an http(s) URL without credentials or trailing slashes; undefined means AWS. */
function httpUrl(name: string, url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const parsed = new URL(serviceUrlOf(name, url));
  if (parsed.username || parsed.password) throw new ConfigError(`${name} must not carry credentials (use S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY)`);
  return url.replace(/\/+$/, '');
}

function timeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    throw new ConfigError(`EXHAUST_TZ=${JSON.stringify(zone)} is not an IANA time zone (e.g. UTC, Asia/Kolkata)`);
  }
}

/** An http(s) base of links, without its trailing slashes. */
function linkBase(name: string, url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error();
    return url.replace(/\/+$/, '');
  } catch {
    throw new ConfigError(`${name}=${JSON.stringify(url)} is not an http(s) URL`);
  }
}

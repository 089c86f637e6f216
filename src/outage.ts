// Failures that say a service the worker needs is away for a while (the database, the blob store),
// not that anything is wrong with the request: an attempt that meets one waits and is retried
// without using up the request's attempts. Named in one table, as graphile-worker names its
// PostgreSQL codes.
import { isDatabaseUnavailable } from './db/errors.js';

/** Network failures of fetch (undici); Node's own codes count through isDatabaseUnavailable's table. */
const UNDICI_CODES = new Set(['UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);
/** Errors of the cloud SDKs that mean "try again later". */
const SERVICE_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'ServiceUnavailable', 'SlowDown', 'InternalError', 'ThrottlingException']);

export function isOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (isDatabaseUnavailable(error)) return true;
  const { code, name, statusCode, $metadata, cause } = error as Error & { code?: unknown; statusCode?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (typeof code === 'string' && UNDICI_CODES.has(code)) return true;
  if (SERVICE_NAMES.has(name)) return true;
  // S3 ($metadata) and Azure (statusCode) answers: 5xx and 429 are the service's trouble, not ours.
  const status = typeof statusCode === 'number' ? statusCode : $metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  return cause !== undefined && cause !== error && isOutage(cause);
}

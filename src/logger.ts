import pino, { type DestinationStream, type Logger } from 'pino';

/** Paths pino blanks wherever they appear in a log line: secrets never reach a log. */
export const REDACTED_PATHS = [
  'encryptionKey',
  '*.encryptionKey',
  '*.*.encryptionKey',
  '*.*.*.encryptionKey',
  'encryption_key',
  '*.encryption_key',
  'secret',
  '*.secret',
  'adminToken',
  '*.adminToken',
  'req.headers.authorization',
  'req.headers["x-authenticated-user-token"]',
  'headers.authorization',
  'headers["x-authenticated-user-token"]',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'data-exhaust' }, serializers: { err: plainError }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}

/**
 * An error as plain data (pino's own serializer, then only plain values kept). Redaction walks every
 * property of a logged object, and some libraries' errors hold objects it cannot walk: openid-client
 * keeps a URLSearchParams, whose getters throw when read off their prototype, and the log call threw
 * with them — in the API's error handler and in a worker alike.
 */
function plainError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  return Object.fromEntries(Object.entries(serialized).filter(([, value]) => isPlain(value)));
}

function isPlain(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

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
  return pino({ level, base: { service: 'data-exhaust' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}

// Which database errors mean "the database is not there right now" (→ 503, retried by clients and
// workers) rather than a bug (→ 500).

/** Network failures of any client (Node's codes); outage.ts relies on this table for the blob stores too. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const SQLITE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_READONLY']);

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || SQLITE_CODES.has(code) || code.startsWith('SQLITE_IOERR')) return true;
    // PostgreSQL SQLSTATE: 08 connection exception, 57P01–03 shutdown/cannot connect, 53300 too many connections.
    if (/^08/.test(code) || /^57P0[123]$/.test(code) || code === '53300') return true;
  }
  // pg's own messages when a pooled connection cannot be made or was cut.
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/i.test(error.message);
}

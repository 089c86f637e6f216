// No text with a NUL character gets past validation: PostgreSQL cannot store one in a text column
// (it answered 500 before this guard) and no client of Sunbird's sends one, so it is refused as a
// 400 naming the field, on both databases alike.
import type { FastifyInstance } from 'fastify';
import { clientError } from '../errors.js';

/** The path (`request.tag`, `requestId`) of the first string or key holding a NUL, if any. */
function nulAt(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path || 'the body' : undefined;
  // Deeper than any real body; JSON parsing already bounds the rest.
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulAt(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, entry] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (key.includes('\0')) return at.replaceAll('\0', '\\0');
    const found = nulAt(entry, at, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function parsedJson(body: unknown): boolean {
  if (typeof body === 'string' || Array.isArray(body)) return true;
  if (body === null || typeof body !== 'object') return false;
  const prototype = Object.getPrototypeOf(body);
  return prototype === Object.prototype || prototype === null;
}

export function installNulGuard(app: FastifyInstance): void {
  // After authorization (onRequest), before the schemas: a refused caller still gets its 403.
  app.addHook('preValidation', (request, _reply, done) => {
    // Params and query come as objects of the router's and parser's own prototypes; a streamed body
    // (record import, publish) is no parsed JSON at all: its bytes are checked where they are read.
    const body = parsedJson(request.body) ? request.body : undefined;
    const field = nulAt(request.params, '') ?? nulAt(request.query, '') ?? nulAt(body, '');
    done(field ? clientError(`${field} must not contain a NUL character`) : undefined);
  });
}

// The reports page's session: the signed-in person, sealed (AES-256-GCM) into an HttpOnly cookie,
// with an idle and an absolute lifetime and the token that guards its state-changing calls (CSRF).
// Nothing is kept on the server: any process of the deployment opens any session.
import { randomBytes } from 'node:crypto';
import type { Person } from '../auth/person.js';
import { openSecret, sealSecret } from '../secrets.js';

export const SESSION_COOKIE = 'exhaust_session';

export interface Session {
  readonly person: Person;
  /** Sent back by the page on every state-changing call (header x-csrf-token or form field _csrf). */
  readonly csrf: string;
  readonly createdAt: number;
  readonly seenAt: number;
}

export interface SessionLifetimes {
  /** A session unused this long has ended, ms. */
  readonly idleMs: number;
  /** A session this old has ended, however busy, ms. */
  readonly maxMs: number;
}

export function newSession(person: Person, now: number): Session {
  return { person, csrf: randomBytes(24).toString('base64url'), createdAt: now, seenAt: now };
}

export const sealSession = (session: Session, key: Buffer) => sealSecret(JSON.stringify(session), key);

/** The session a cookie holds, if it is authentic and still alive. */
export function openSession(sealed: string | undefined, key: Buffer, now: number, lifetimes: SessionLifetimes): Session | undefined {
  if (!sealed) return undefined;
  let session: Session;
  try {
    session = JSON.parse(openSecret(sealed, key)) as Session;
  } catch {
    // Tampered with, or sealed under another secret: no session.
    return undefined;
  }
  if (now - session.seenAt > lifetimes.idleMs || now - session.createdAt > lifetimes.maxMs) return undefined;
  return session;
}

/** `name=value` pairs of a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** A Set-Cookie value: HttpOnly, SameSite=Lax, Secure on https, for the whole site. */
export function sessionCookie(name: string, value: string, options: { secure: boolean; maxAgeS: number }): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeS))}`,
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

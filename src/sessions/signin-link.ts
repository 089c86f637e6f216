// One-time sign-in links (`exhaust signin-link`): for a deployment without an identity provider,
// and for the demo. The link carries a random secret; only its hash is stored, with the person it
// signs in. A link opens one session, within its lifetime, and never again.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Person } from '../auth/person.js';
import type { Tables } from '../db/database.js';

/** How long a link stays valid. */
export const SIGNIN_LINK_TTL_MS = 15 * 60_000;

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** Stores a new link for `person`; returns its secret (to be put in the URL, and nowhere else). */
export async function createSigninLink(db: Kysely<Tables>, person: Person, now: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('signin_link')
    .values({
      token_hash: hashOf(token),
      user_id: person.userId,
      org_id: person.rootOrg.id,
      roles: JSON.stringify(person.roles),
      created_on: now,
      expires_at: now + SIGNIN_LINK_TTL_MS,
      used_on: null,
    })
    .execute();
  return token;
}

/**
 * The person a link signs in, marking it used in the same statement: of two simultaneous clicks
 * one wins. Undefined for an unknown, expired or used link.
 */
export async function useSigninLink(db: Kysely<Tables>, token: string, now: number): Promise<Person | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const row = await db
    .updateTable('signin_link')
    .set({ used_on: now })
    .where('token_hash', '=', hashOf(token))
    .where('used_on', 'is', null)
    .where('expires_at', '>', now)
    .returning(['user_id', 'org_id', 'roles'])
    .executeTakeFirst();
  if (!row) return undefined;
  return { userId: row.user_id, roles: JSON.parse(row.roles) as string[], rootOrg: { id: row.org_id } };
}

/** The link as a person opens it: the reports page's sign-in route with the secret. */
export const signinLinkUrl = (publicUrl: string, token: string) => `${publicUrl}/signin/link?token=${token}`;

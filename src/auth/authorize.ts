// Who is calling and which channel they may act for (DESIGN §3.7). Framework-free: the API passes
// the headers in.
import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { clientError, forbidden } from '../errors.js';
import { sameSecret } from '../secrets.js';
import { isConsumerAuthorized } from './consumer-channel.js';

type Headers = Record<string, string | string[] | undefined>;

const CHANNEL = /^[A-Za-z0-9_.-]{1,200}$/;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}

/** The channel a consumer-path call acts for, once the gateway's consumer is mapped to it. */
export async function authorizeChannel(db: Kysely<Tables>, headers: Headers): Promise<string> {
  const channel = header(headers, 'x-channel-id');
  if (!channel) throw clientError('X-Channel-ID is missing in request header');
  // No ':' in a channel: the stored tag is `<tag>:<channel>`, and the channel must be its last segment.
  if (!CHANNEL.test(channel)) throw clientError('X-Channel-ID must be 1–200 letters, digits or _ . -');
  const consumer = header(headers, 'x-consumer-id') ?? '';
  if (!consumer || !(await isConsumerAuthorized(db, consumer, channel))) {
    throw forbidden(`Given X-Consumer-ID='${consumer.slice(0, 200)}' and X-Channel-ID='${channel}' are not authorized`);
  }
  return channel;
}

/** Internal routes: `Authorization: Bearer <EXHAUST_ADMIN_TOKEN>`. Unset token → nobody is admin. */
export function authorizeAdmin(adminToken: string | undefined, headers: Headers): void {
  const auth = header(headers, 'authorization');
  const token = auth?.match(/^Bearer\s+(.+)$/i)?.[1];
  if (!adminToken || !token || !sameSecret(token, adminToken)) {
    throw forbidden('This route needs the admin token (Authorization: Bearer <EXHAUST_ADMIN_TOKEN>)');
  }
}

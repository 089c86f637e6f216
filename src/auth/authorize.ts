// Who is calling and which channel they may act for (DESIGN §3.7). Framework-free: the API passes
// the headers in. Decided before the body or query is read: bad credentials are a 403 whatever
// the body holds.
import type { Kysely } from 'kysely';
import type { SignInConfig } from '../config.js';
import type { Tables } from '../db/database.js';
import { clientError, forbidden } from '../errors.js';
import { sameSecret } from '../secrets.js';
import type { Caller } from './caller.js';
import { isConsumerAuthorized } from './consumer-channel.js';
import { grantOnDemand, grantStandard, requireOrganisation } from './entitlement.js';
import type { PersonFinder } from './identify.js';

type Headers = Record<string, string | string[] | undefined>;

const CHANNEL = /^[A-Za-z0-9_.-]{1,200}$/;

/** What a channel route lets through: on-demand submit (dataset roles checked once the body names
 * the dataset), on-demand read and list, or the standard exhaust. */
export const CHANNEL_ACCESS = ['submit', 'requests', 'standard-exhaust'] as const;
export type ChannelAccess = (typeof CHANNEL_ACCESS)[number];
export const isChannelAccess = (auth: unknown): auth is ChannelAccess => CHANNEL_ACCESS.includes(auth as ChannelAccess);

export interface AuthorizeDeps {
  db: Kysely<Tables>;
  signIn: SignInConfig;
  /** Undefined when no identity provider is configured: user tokens are then refused. */
  persons: PersonFinder | undefined;
}

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}

/**
 * The caller of a channel route. A call with `x-authenticated-user-token` is decided by the person
 * (never by the consumer table); any other by the gateway's consumer mapping. The gateway's own
 * `Authorization` header is never read here.
 */
export async function authorizeCaller(deps: AuthorizeDeps, headers: Headers, access: ChannelAccess): Promise<Caller> {
  const channel = header(headers, 'x-channel-id');
  // Sunbird answers a missing channel with 403 on both paths.
  if (!channel) throw forbidden('X-Channel-ID is missing in request header');
  // No ':' in a channel: the stored tag is `<tag>:<channel>`, and the channel must be its last segment.
  if (!CHANNEL.test(channel)) throw clientError('X-Channel-ID must be 1–200 letters, digits or _ . -');
  const token = header(headers, 'x-authenticated-user-token');
  if (token !== undefined) {
    if (!deps.persons) throw forbidden('user tokens are not accepted: no identity provider is configured');
    const person = await deps.persons.identify(token, header(headers, 'x-authenticated-userid'));
    const { signIn } = deps;
    if (access === 'standard-exhaust') grantStandard(person, channel, signIn.standardRoles, signIn.superAdminChannel);
    else if (access === 'requests') grantOnDemand(person, channel, signIn.ondemandRoles);
    // Submit: the organisation now, the roles once the body names the dataset (request.service).
    else requireOrganisation(person, channel);
    return { path: 'user', channel, person };
  }
  const consumer = header(headers, 'x-consumer-id') ?? '';
  if (!consumer || !(await isConsumerAuthorized(deps.db, consumer, channel))) {
    throw forbidden(`Given X-Consumer-ID='${consumer.slice(0, 200)}' and X-Channel-ID='${channel}' are not authorized`);
  }
  return { path: 'consumer', channel, consumer };
}

/** Internal routes: `Authorization: Bearer <EXHAUST_ADMIN_TOKEN>`. Unset token → nobody is admin. */
export function authorizeAdmin(adminToken: string | undefined, headers: Headers): void {
  const auth = header(headers, 'authorization');
  const token = auth?.match(/^Bearer\s+(.+)$/i)?.[1];
  if (!adminToken || !token || !sameSecret(token, adminToken)) {
    throw forbidden('This route needs the admin token (Authorization: Bearer <EXHAUST_ADMIN_TOKEN>)');
  }
}

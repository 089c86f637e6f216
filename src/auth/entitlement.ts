// What a signed-in person may do for a channel (DESIGN §3.7, user path): decided from their roles
// and root organisation alone. Refusals say `You are not authorized.`, as Sunbird does, and name
// nothing private (no batch, no role list).
import { forbidden } from '../errors.js';
import type { Person } from './person.js';

export const NOT_AUTHORIZED = 'You are not authorized.';

/** Who may request a dataset: its own authorizedRoles, or EXHAUST_ONDEMAND_ROLES when it names none. */
export const rolesFor = (authorizedRoles: readonly string[], ondemandRoles: readonly string[]) => (authorizedRoles.length > 0 ? authorizedRoles : ondemandRoles);

/** A person whose only matching role is this one sees only the batches they mentor or created. */
const MENTOR_ROLE = 'COURSE_MENTOR';

export interface Grant {
  /** The person's roles among those the action allows. */
  readonly roles: readonly string[];
  /** True when the grant holds only for the batches the person mentors or created. */
  readonly batchScoped: boolean;
}

/**
 * On-demand requests: the person's root org is the channel (case-insensitive: portals send the
 * root org id as X-Channel-ID in any case), and one of their roles is among `allowed`.
 */
export function grantOnDemand(person: Person, channel: string, allowed: readonly string[]): Grant {
  requireOrganisation(person, channel);
  const roles = person.roles.filter((role) => allowed.includes(role));
  if (roles.length === 0) throw forbidden(NOT_AUTHORIZED);
  return { roles, batchScoped: roles.every((role) => role === MENTOR_ROLE) };
}

/** The person's root org is the channel (case-insensitive), else `You are not authorized.`. */
export function requireOrganisation(person: Person, channel: string): void {
  if (person.rootOrg.id.toLowerCase() !== channel.toLowerCase()) throw forbidden(NOT_AUTHORIZED);
}

/** Whether one of the person's roles is among `allowed`. */
export const holdsRole = (person: Person, allowed: readonly string[]) => person.roles.some((role) => allowed.includes(role));

/**
 * Standard exhaust, Sunbird's rule: a role among `allowed`, and the channel is the root org's slug,
 * or the root org is on the super-admin channel. Unlike Sunbird, an unset super-admin channel makes
 * nobody a super admin (Sunbird let users whose root org has no channel through).
 */
export function grantStandard(person: Person, channel: string, allowed: readonly string[], superAdminChannel: string | undefined): void {
  if (!holdsRole(person, allowed)) throw forbidden(NOT_AUTHORIZED);
  const { slug, channel: orgChannel } = person.rootOrg;
  const ownChannel = slug !== undefined && slug !== '' && slug.toLowerCase() === channel.toLowerCase();
  const superAdmin = superAdminChannel !== undefined && orgChannel !== undefined && orgChannel !== '' && orgChannel === superAdminChannel;
  if (!ownChannel && !superAdmin) throw forbidden(NOT_AUTHORIZED);
}

/** A batch as entitlement sees it. */
export interface BatchPeople {
  readonly id: string;
  readonly created_by: string | null;
  /** JSON array of user ids. */
  readonly mentors: string | null;
}

/** Whether the person mentors or created the batch. */
export function mentorsBatch(userId: string, batch: BatchPeople): boolean {
  if (batch.created_by === userId) return true;
  try {
    const mentors: unknown = JSON.parse(batch.mentors ?? '[]');
    return Array.isArray(mentors) && mentors.includes(userId);
  } catch {
    return false;
  }
}

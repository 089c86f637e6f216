// A person signed in (the user path of DESIGN §3.7): who they are, their roles, their root
// organisation. Known from a verified JWT, from Sunbird's user service, or both; the API decides
// from these facts alone, never from the consumer table.

export interface RootOrg {
  /** The organisation's id (Sunbird's rootOrgId); portals send it as X-Channel-ID. */
  readonly id: string;
  /** Its slug, when known: Sunbird's standard exhaust names a channel by slug. */
  readonly slug?: string | undefined;
  /** Its channel, when known: compared with the super-admin channel. */
  readonly channel?: string | undefined;
}

export interface Person {
  /** The user id; Sunbird's `f:<realm>:<userId>` subject is reduced to `<userId>`. */
  readonly userId: string;
  /** Role names, each once. */
  readonly roles: readonly string[];
  readonly rootOrg: RootOrg;
}

/** `f:<realm>:<userId>` (Keycloak federated users in Sunbird) → `<userId>`; anything else as it is. */
export function userIdOf(subject: string): string {
  const federated = /^f:[^:]*:(.+)$/.exec(subject);
  return federated ? federated[1]! : subject;
}

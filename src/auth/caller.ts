// Who is calling a channel route, once authorized: a gateway's consumer (trusted for the channels
// it is mapped to) or a signed-in person (decided by their roles and organisation).
import type { Person } from './person.js';

export type Caller =
  | { readonly path: 'consumer'; readonly channel: string; readonly consumer: string }
  | { readonly path: 'user'; readonly channel: string; readonly person: Person };

/** Who acted, as the audit trail names them. */
export const actorOf = (caller: Caller): string => (caller.path === 'user' ? `user:${caller.person.userId}` : `consumer:${caller.consumer}`);

// Who a user token belongs to: the signed token verified (JWT), Sunbird's user service asked, or
// both — the token first, then the service about the verified user (it knows the roles best).
import { forbidden } from '../errors.js';
import { NOT_AUTHORIZED } from './entitlement.js';
import type { Person } from './person.js';

export interface TokenVerifier {
  verify(token: string): Promise<Person>;
}
export interface UserDirectory {
  lookup(userId: string, token: string): Promise<Person>;
}

export interface PersonFinder {
  /** `claimedUserId`: X-Authenticated-Userid, as Sunbird's gateway sets it. */
  identify(token: string, claimedUserId: string | undefined): Promise<Person>;
}

/** The configured way(s) of knowing a person; undefined when none is configured. */
export function personFinder(jwt: TokenVerifier | undefined, userService: UserDirectory | undefined): PersonFinder | undefined {
  if (!jwt && !userService) return undefined;
  return {
    async identify(token, claimedUserId) {
      if (jwt) {
        const verified = await jwt.verify(token);
        // A gateway that names another user than the token's is not to be believed.
        if (claimedUserId !== undefined && claimedUserId !== verified.userId) throw forbidden(NOT_AUTHORIZED);
        return userService ? userService.lookup(verified.userId, token) : verified;
      }
      if (claimedUserId === undefined) throw forbidden('X-Authenticated-Userid is missing in request header');
      return userService!.lookup(claimedUserId, token);
    },
  };
}

// The user path's settings (DESIGN §3.7): which roles may do what, and how a person calling with a
// user token is known (Sunbird's user service, signed tokens, or both). Read by config.ts.
import { resolve } from 'node:path';
import { type Check, ConfigError, integer, type Read, serviceUrlOf } from './config-values.js';

/** How a person calling with `x-authenticated-user-token` is known and what their roles allow (DESIGN §3.7). */
export interface SignInConfig {
  /** EXHAUST_ONDEMAND_ROLES — roles that may submit for a dataset without authorizedRoles, and read and list. Default ORG_ADMIN,REPORT_ADMIN,CONTENT_CREATOR,COURSE_MENTOR,PROGRAM_MANAGER,PROGRAM_DESIGNER. */
  readonly ondemandRoles: readonly string[];
  /** EXHAUST_STANDARD_ROLES — roles that may list the standard exhaust. Default ORG_ADMIN,REPORT_ADMIN. */
  readonly standardRoles: readonly string[];
  /** EXHAUST_SUPER_ADMIN_CHANNEL — a root org on this channel may list any channel's standard exhaust. Unset: nobody may. */
  readonly superAdminChannel: string | undefined;
  /** Sunbird's user service; unset when EXHAUST_USER_READ_URL is. */
  readonly userService: UserServiceConfig | undefined;
  /** Signed tokens (JWTs); unset when neither EXHAUST_JWKS_URL nor EXHAUST_JWT_PUBLIC_KEYS is. */
  readonly jwt: JwtConfig | undefined;
  /** The reports page's sessions. */
  readonly session: SessionConfig;
  /** OpenID Connect sign-in for the reports page; unset when EXHAUST_OIDC_ISSUER is. */
  readonly oidc: OidcConfig | undefined;
}

export interface SessionConfig {
  /** EXHAUST_SESSION_IDLE_MINUTES — a session unused this long ends, minutes. Default 30. */
  readonly idleMinutes: number;
  /** EXHAUST_SESSION_MAX_HOURS — a session ends this long after sign-in, hours. Default 12. */
  readonly maxHours: number;
}

export interface OidcConfig {
  /** EXHAUST_OIDC_ISSUER — the provider's issuer URL (its discovery document is read at the first sign-in). */
  readonly issuer: string;
  /** EXHAUST_OIDC_CLIENT_ID — required. */
  readonly clientId: string;
  /** EXHAUST_OIDC_CLIENT_SECRET — unset for a public client (PKCE alone). */
  readonly clientSecret: string | undefined;
  /** EXHAUST_OIDC_REDIRECT_URL — where the provider sends the person back. Default <EXHAUST_PUBLIC_URL>/signin/callback. */
  readonly redirectUrl: string;
}

export interface UserServiceConfig {
  /** EXHAUST_USER_READ_URL — prefix the user id is appended to, e.g. http://learner:9000/private/user/v1/read/ */
  readonly url: string;
  /** EXHAUST_USER_READ_TIMEOUT_MS — longest wait for its answer, ms. Default 5000. */
  readonly timeoutMs: number;
  /** EXHAUST_USER_CACHE_SECONDS — how long an answer is reused for the same token, s. Default 30; 0 never. */
  readonly cacheSeconds: number;
}

export interface JwtConfig {
  /** EXHAUST_JWKS_URL — where the issuer publishes its keys (refetched on an unknown kid). */
  readonly jwksUrl: string | undefined;
  /** EXHAUST_JWT_PUBLIC_KEYS — comma-separated paths of PEM or JWK files (read at start-up by services.ts). */
  readonly publicKeyFiles: readonly string[];
  /** EXHAUST_JWKS_REFETCH_SECONDS — least time between two JWKS fetches for an unknown kid, s. Default 30. */
  readonly jwksRefetchSeconds: number;
  /** EXHAUST_JWT_ISSUER — required `iss`. */
  readonly issuer: string;
  /** EXHAUST_JWT_AUDIENCE — required `aud`. */
  readonly audience: string;
  /** EXHAUST_JWT_ROLES_CLAIM — dotted path of the roles array. Default realm_access.roles (Keycloak). */
  readonly rolesClaim: string;
  /** EXHAUST_JWT_ORG_CLAIM — dotted path of the root org id. Default rootOrgId. */
  readonly orgClaim: string;
  /** EXHAUST_JWT_ORG_SLUG_CLAIM — dotted path of the root org's slug. Default rootOrgSlug. */
  readonly orgSlugClaim: string;
  /** EXHAUST_JWT_ORG_CHANNEL_CLAIM — dotted path of the root org's channel. Default rootOrgChannel. */
  readonly orgChannelClaim: string;
}

const ROLE = /^[A-Za-z0-9_-]{1,100}$/;

/** Role names from a comma-separated list, each once; undefined when the list is empty or a name is not a role's. */
export function roleList(text: string): string[] | undefined {
  const list = text.split(',').map((r) => r.trim()).filter(Boolean);
  return list.length > 0 && list.every((r) => ROLE.test(r)) ? [...new Set(list)] : undefined;
}
const CLAIM_PATH = /^[A-Za-z0-9_$-]{1,100}(\.[A-Za-z0-9_$-]{1,100}){0,9}$/;

export function signInSettings(read: Read, check: Check, serviceUrl: string): SignInConfig {
  const roles = (name: string, fallback: string) =>
    check(() => {
      const value = read(name) ?? fallback;
      const list = roleList(value);
      if (!list) throw new ConfigError(`${name}=${JSON.stringify(value)} must be a comma-separated list of role names`);
      return Object.freeze(list);
    }, []);
  const claim = (name: string, fallback: string) =>
    check(() => {
      const value = read(name) ?? fallback;
      if (!CLAIM_PATH.test(value)) throw new ConfigError(`${name}=${JSON.stringify(value)} must be a claim name or a dotted path (e.g. realm_access.roles)`);
      return value;
    }, fallback);
  const userReadUrl = read('EXHAUST_USER_READ_URL');
  const jwksUrl = read('EXHAUST_JWKS_URL');
  const keyFiles = read('EXHAUST_JWT_PUBLIC_KEYS');
  if (jwksUrl !== undefined && keyFiles !== undefined) {
    check(() => {
      throw new ConfigError('EXHAUST_JWKS_URL and EXHAUST_JWT_PUBLIC_KEYS are both set: user tokens take their keys from one of them');
    }, undefined);
  }
  const required = (name: string) =>
    check(() => {
      const value = read(name);
      if (value === undefined) throw new ConfigError(`${name} is required when EXHAUST_JWKS_URL or EXHAUST_JWT_PUBLIC_KEYS is set`);
      return value;
    }, '');
  return Object.freeze({
    ondemandRoles: roles('EXHAUST_ONDEMAND_ROLES', 'ORG_ADMIN,REPORT_ADMIN,CONTENT_CREATOR,COURSE_MENTOR,PROGRAM_MANAGER,PROGRAM_DESIGNER'),
    standardRoles: roles('EXHAUST_STANDARD_ROLES', 'ORG_ADMIN,REPORT_ADMIN'),
    superAdminChannel: read('EXHAUST_SUPER_ADMIN_CHANNEL'),
    userService:
      userReadUrl === undefined
        ? undefined
        : Object.freeze({
            url: check(() => serviceUrlOf('EXHAUST_USER_READ_URL', userReadUrl), ''),
            timeoutMs: check(() => integer(read, 'EXHAUST_USER_READ_TIMEOUT_MS', 5000, 100, 60_000), 5000),
            cacheSeconds: check(() => integer(read, 'EXHAUST_USER_CACHE_SECONDS', 30, 0, 3600), 30),
          }),
    jwt:
      jwksUrl === undefined && keyFiles === undefined
        ? undefined
        : Object.freeze({
            jwksUrl: jwksUrl === undefined ? undefined : check(() => serviceUrlOf('EXHAUST_JWKS_URL', jwksUrl), undefined),
            jwksRefetchSeconds: check(() => integer(read, 'EXHAUST_JWKS_REFETCH_SECONDS', 30, 0, 3600), 30),
            publicKeyFiles: Object.freeze((keyFiles ?? '').split(',').map((f) => f.trim()).filter(Boolean).map((f) => resolve(f))),
            issuer: required('EXHAUST_JWT_ISSUER'),
            audience: required('EXHAUST_JWT_AUDIENCE'),
            rolesClaim: claim('EXHAUST_JWT_ROLES_CLAIM', 'realm_access.roles'),
            orgClaim: claim('EXHAUST_JWT_ORG_CLAIM', 'rootOrgId'),
            orgSlugClaim: claim('EXHAUST_JWT_ORG_SLUG_CLAIM', 'rootOrgSlug'),
            orgChannelClaim: claim('EXHAUST_JWT_ORG_CHANNEL_CLAIM', 'rootOrgChannel'),
          }),
    session: Object.freeze({
      idleMinutes: check(() => integer(read, 'EXHAUST_SESSION_IDLE_MINUTES', 30, 1, 24 * 60), 30),
      maxHours: check(() => integer(read, 'EXHAUST_SESSION_MAX_HOURS', 12, 1, 24 * 30), 12),
    }),
    oidc: oidcSettings(read, check, serviceUrl),
  });
}

function oidcSettings(read: Read, check: Check, serviceUrl: string): OidcConfig | undefined {
  const issuer = read('EXHAUST_OIDC_ISSUER');
  if (issuer === undefined) return undefined;
  // The provider's access token is turned into a person as the API's user path does: without a way
  // to do that, every sign-in would fail after the round trip to the provider.
  if (['EXHAUST_JWKS_URL', 'EXHAUST_JWT_PUBLIC_KEYS', 'EXHAUST_USER_READ_URL'].every((name) => read(name) === undefined)) {
    check(() => {
      throw new ConfigError('EXHAUST_OIDC_ISSUER needs a way to know the person signing in: set EXHAUST_JWKS_URL, EXHAUST_JWT_PUBLIC_KEYS or EXHAUST_USER_READ_URL');
    }, undefined);
  }
  return Object.freeze({
    issuer: check(() => serviceUrlOf('EXHAUST_OIDC_ISSUER', issuer), ''),
    clientId: check(() => {
      const id = read('EXHAUST_OIDC_CLIENT_ID');
      if (id === undefined) throw new ConfigError('EXHAUST_OIDC_CLIENT_ID is required when EXHAUST_OIDC_ISSUER is set');
      return id;
    }, ''),
    clientSecret: read('EXHAUST_OIDC_CLIENT_SECRET'),
    redirectUrl: check(() => serviceUrlOf('EXHAUST_OIDC_REDIRECT_URL', read('EXHAUST_OIDC_REDIRECT_URL') ?? `${serviceUrl}/signin/callback`), ''),
  });
}

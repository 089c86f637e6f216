// A real OpenID provider for browser tests (oidc-provider, the certified implementation), on
// loopback: one confidential client of the reports page, accounts by login name, its built-in
// ("dev") login and consent pages, and JWT access tokens carrying the claims the user path reads
// (realm_access.roles, rootOrgId), as Keycloak issues them to Sunbird.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

/** What the provider says about a person: their roles and root organisation. */
export interface ProviderAccount {
  roles: string[];
  rootOrgId: string;
  name?: string;
}

export interface OidcProviderServer {
  /** The issuer (http://127.0.0.1:<port>): EXHAUST_OIDC_ISSUER and EXHAUST_JWT_ISSUER. */
  issuer: string;
  /** Where it publishes its keys: EXHAUST_JWKS_URL. */
  jwksUri: string;
  clientId: string;
  clientSecret: string;
  /** The audience of its access tokens: EXHAUST_JWT_AUDIENCE. */
  audience: string;
  close(): Promise<void>;
}

export const PROVIDER_AUDIENCE = 'data-exhaust';
// The resource server the access tokens are for; oidc-provider names it by an absolute URI.
const RESOURCE = 'urn:data-exhaust:reports';

/** Starts a provider whose client may send people back to `redirectUri` only. */
export async function startOidcProvider(options: { redirectUri: string; accounts: Record<string, ProviderAccount> }): Promise<OidcProviderServer> {
  const { accounts } = options;
  // The issuer names its port, so the server listens before the provider exists.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => void res.writeHead(503).end();
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const clientId = 'reports-page';
  const clientSecret = randomBytes(24).toString('base64url');

  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        // openid-client authenticates a confidential client with client_secret_post unless told otherwise.
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    pkce: { required: () => true },
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], profile: ['name'] },
    // The tests move the service's clock forward (idle sessions); a token outlives that.
    ttl: { AccessToken: 24 * 3600, IdToken: 3600, Interaction: 600, Session: 24 * 3600, Grant: 24 * 3600 },
    async findAccount(_ctx, sub) {
      const account = accounts[sub];
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub, name: account.name ?? sub }) };
    },
    async extraTokenClaims(_ctx, token) {
      const account = 'accountId' in token && typeof token.accountId === 'string' ? accounts[token.accountId] : undefined;
      return account ? { realm_access: { roles: account.roles }, rootOrgId: account.rootOrgId } : undefined;
    },
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => RESOURCE,
        // The code grant's token is for the resource granted at the authorization, openid or not.
        useGrantedResource: async () => true,
        getResourceServerInfo: async () => ({ scope: 'openid profile', audience: PROVIDER_AUDIENCE, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
      },
    },
  };
  const provider = new Provider(issuer, configuration);
  handle = provider.callback();
  // Where the keys are, as a relying party finds them: the discovery document.
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { jwks_uri: string };

  return {
    issuer,
    jwksUri: discovery.jwks_uri,
    clientId,
    clientSecret,
    audience: PROVIDER_AUDIENCE,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

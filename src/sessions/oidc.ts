// OpenID Connect sign-in for the reports page: the authorization code flow with PKCE (openid-client),
// against EXHAUST_OIDC_ISSUER. The tokens it yields go through the same identity code as the API's
// user path (services.persons), so a person has the same roles and entitlement on both.
import type { OidcConfig } from '../sign-in-config.js';
import { sealSecret, openSecret } from '../secrets.js';

/** What the browser carries through the provider and back (sealed in a short-lived cookie). */
interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  next: string;
  at: number;
}

export const OIDC_COOKIE = 'exhaust_signin';
/** How long a person has to sign in at the provider, ms. */
export const OIDC_PENDING_MS = 10 * 60_000;

export interface OidcSignIn {
  /** The provider's URL to send the browser to, and the sealed state to keep in a cookie. */
  start(next: string, now: number): Promise<{ url: string; pending: string }>;
  /** Exchanges the code of the callback (its query string); the token to identify the person by, and where to go next. */
  finish(callbackQuery: string, pending: string | undefined, now: number): Promise<{ accessToken: string; subject: string | undefined; next: string }>;
}

export function oidcSignIn(settings: OidcConfig, key: Buffer): OidcSignIn {
  let discovered: Promise<import('openid-client').Configuration> | undefined;
  const configuration = async () => {
    const client = await import('openid-client');
    discovered ??= client
      .discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret, settings.clientSecret ? undefined : client.None(), {
        // A provider on plain http is for tests and local set-ups only; production issuers are https.
        execute: settings.issuer.startsWith('http:') ? [client.allowInsecureRequests] : [],
      })
      .catch((error: unknown) => {
        discovered = undefined;
        throw error;
      });
    return { client, config: await discovered };
  };
  return {
    async start(next, now) {
      const { client, config } = await configuration();
      const pending: Pending = { verifier: client.randomPKCECodeVerifier(), state: client.randomState(), nonce: client.randomNonce(), next, at: now };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUrl,
        scope: 'openid profile',
        response_type: 'code',
        code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url: url.href, pending: sealSecret(JSON.stringify(pending), key) };
    },
    async finish(callbackQuery, sealed, now) {
      let pending: Pending | undefined;
      try {
        pending = sealed ? (JSON.parse(openSecret(sealed, key)) as Pending) : undefined;
      } catch {
        pending = undefined;
      }
      if (!pending || now - pending.at > OIDC_PENDING_MS) throw new SignInExpired();
      const { client, config } = await configuration();
      // The redirect URL as registered (a proxy in front may have rewritten the host we saw).
      const callbackUrl = new URL(settings.redirectUrl);
      callbackUrl.search = callbackQuery;
      let tokens;
      try {
        tokens = await client.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        // The provider sent the person back with an error (access_denied when they cancel): not a
        // fault of this service. Only the error's code goes on; the error object holds the whole
        // callback as a URLSearchParams, which the logger's redaction cannot walk.
        if (error instanceof client.AuthorizationResponseError) throw new SignInRefused(error.error);
        throw error;
      }
      // The ID token (checked by openid-client: issuer, audience, nonce, times) names the user; the
      // access token is what the API's user path verifies or hands to the user service.
      return { accessToken: tokens.access_token, subject: tokens.claims()?.sub, next: pending.next };
    },
  };
}

/** The sign-in was not started here, or took too long: start again. */
export class SignInExpired extends Error {
  override name = 'SignInExpired';
  constructor() {
    super('This sign-in was not started here or took too long; sign in again.');
  }
}

/** The provider answered with an error instead of a code: the person cancelled, or was not let in. */
export class SignInRefused extends Error {
  override name = 'SignInRefused';
  /** The provider's error code (access_denied, login_required, …), or `unknown` when it is not a plain code. */
  readonly providerError: string;
  constructor(providerError: string) {
    super('The sign-in was cancelled or refused at the identity provider.');
    this.providerError = /^[A-Za-z0-9_.-]{1,64}$/.test(providerError) ? providerError : 'unknown';
  }
}

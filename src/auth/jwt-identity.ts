// The user path's identity (DESIGN §3.7): a user token (a JWT signed by the identity provider,
// Keycloak in Sunbird) is verified against the provider's public keys and read into a Person.
// Only asymmetric signatures count: with HMAC the verifying key is also a signing key, and a
// service holding the provider's PUBLIC key must never accept it as an HMAC secret (the classic
// key-confusion attack), so HS* and `none` are refused before any key is looked at.
// 401 (unauthorized) = the token cannot be trusted or names nobody; 403 (forbidden) = the token is
// authentic and names someone, but lacks a claim the service decides by (roles, root org): logging
// in again would not change it, so a portal must not be sent round its refresh-and-retry loop.
// 503 (unavailable) = the provider's key set cannot be read. Messages never carry the token.
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import {
  createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify,
  type CryptoKey, type JWTPayload, type JWTVerifyOptions, type ProtectedHeaderParameters,
} from 'jose';
import { ConfigError } from '../config.js';
import { type AppError, forbidden, unauthorized, unavailable } from '../errors.js';
import { systemClock, type Clock } from '../time.js';
import { userIdOf, type Person, type RootOrg } from './person.js';

export interface JwtSettings {
  /** JWKS URL (EXHAUST_JWKS_URL); either this or publicKeys. */
  jwksUrl?: string;
  /** Keys read from PEM (SPKI, PKCS#1 or a certificate) or JWK/JWKS JSON files (EXHAUST_JWT_PUBLIC_KEYS): the caller passes the file contents with their path for messages. */
  publicKeys?: { path: string; text: string }[];
  /** EXHAUST_JWT_ISSUER (required): the token's `iss` must equal it. */
  issuer: string;
  /** EXHAUST_JWT_AUDIENCE (required): the token's `aud` must be or contain it. */
  audience: string;
  /** Dotted path to the role list, e.g. 'realm_access.roles' (Keycloak). A claim whose own name holds a dot cannot be named. */
  rolesClaim: string;
  /** Dotted path to the root organisation's id, e.g. 'rootOrgId'. */
  orgClaim: string;
  /** Dotted path to the root organisation's slug, e.g. 'rootOrgSlug'; optional in tokens. */
  orgSlugClaim: string;
  /** Dotted path to the root organisation's channel, e.g. 'rootOrgChannel'; optional in tokens. */
  orgChannelClaim: string;
  /** Tolerance for `exp` and `nbf` between our clock and the provider's, s; default 30. */
  clockSkewSeconds?: number;
  /** Longest wait for the JWKS (connect, answer and body), ms; default 5000. */
  jwksTimeoutMs?: number;
  /** Least time between two JWKS fetches caused by an unknown kid (rate limit), ms; default 30000. */
  jwksRefetchMs?: number;
}

export interface JwtIdentity {
  /** The Person a token names; AppError 401/403/503 otherwise (see the top of this file). */
  verify(token: string): Promise<Person>;
}

/** Asymmetric JWS algorithms only (RFC 7518 §3, RFC 8037). */
const ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

type Key = CryptoKey | KeyObject;
/** The keys that may have signed a token with this header; [] when none is known. */
type KeySource = (header: ProtectedHeaderParameters) => Promise<Key[]>;

/** A key-set failure: the token is not at fault, the provider (or our path to it) is. */
class KeySetUnavailable extends Error {}

/** Settings as config validated them (sign-in-config.ts): one key source, http(s) JWKS, dotted claim paths. */
export function jwtIdentity(settings: JwtSettings, clock: Clock = systemClock): JwtIdentity {
  const keys = settings.jwksUrl ? remoteKeys(settings, settings.jwksUrl) : staticKeys(readKeyFiles(settings.publicKeys ?? []));
  return {
    async verify(token) {
      const options: JWTVerifyOptions = {
        algorithms: [...ALGORITHMS], issuer: settings.issuer, audience: settings.audience,
        clockTolerance: settings.clockSkewSeconds ?? 30, currentDate: new Date(clock.now()),
        requiredClaims: ['exp', 'sub'], // a token without `exp` would never expire
      };
      const candidates = await keys(headerOf(token)).catch((error: unknown) => {
        if (error instanceof KeySetUnavailable) throw unavailable(error.message);
        throw error;
      });
      if (candidates.length === 0) throw unauthorized('No key known to this service signed the token (unknown kid or key type)');
      return personOf(await verifiedClaims(token, candidates, options), settings);
    },
  };
}

/** The claims of a token that one of the candidate keys signed. */
async function verifiedClaims(token: string, candidates: readonly Key[], options: JWTVerifyOptions): Promise<JWTPayload> {
  let mismatch: unknown;
  for (const key of candidates) {
    try {
      return (await jwtVerify(token, key, options)).payload;
    } catch (error) {
      // A TypeError here means the key cannot verify this algorithm (e.g. RSA under 2048 bits).
      if (!(error instanceof errors.JWSSignatureVerificationFailed || error instanceof TypeError)) throw refusal(error);
      mismatch = error;
    }
  }
  throw refusal(mismatch);
}

function headerOf(token: string): ProtectedHeaderParameters {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw unauthorized('The token is not a well-formed JWT');
  }
  if (typeof header.alg !== 'string' || !ALGORITHMS.includes(header.alg)) {
    throw unauthorized(`The token's algorithm is not accepted (only ${ALGORITHMS.join(', ')})`);
  }
  return header;
}

/** jose's errors → our words; nothing from the token itself is echoed. */
function refusal(error: unknown): AppError {
  if (error instanceof errors.JWTExpired) return unauthorized('The token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    const why: Record<string, string> = {
      iss: 'was not issued by the expected issuer (iss)', aud: 'is not meant for this service (aud)',
      nbf: 'is not valid yet (nbf)', exp: 'has no expiry (exp)', sub: 'names no subject (sub)',
    };
    return unauthorized(`The token ${why[error.claim] ?? `has an invalid "${error.claim}" claim`}`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof TypeError) {
    return unauthorized('The token\'s signature does not verify with any key known to this service');
  }
  return unauthorized('The token cannot be verified');
}

// --- Keys from the provider's JWKS URL -----------------------------------------------------------
// jose's remote set does the rotation rule we want: it fetches on first use and when its copy is
// older than cacheMaxAge (jose's default, 10 min); an unknown kid refetches only when the last
// SUCCESSFUL fetch is at least cooldownDuration old, else the token is refused (401). Concurrent
// fetches share one request. A failed fetch starts no cooldown: the next token tries again.
function remoteKeys(settings: JwtSettings, url: string): KeySource {
  const timeoutMs = settings.jwksTimeoutMs ?? 5000;
  const set = createRemoteJWKSet(new URL(url), { timeoutDuration: timeoutMs, cooldownDuration: settings.jwksRefetchMs ?? 30_000 });
  return async (header) => {
    try {
      return [await set(header)];
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JOSENotSupported) return [];
      if (error instanceof errors.JWKSMultipleMatchingKeys) {
        const all: Key[] = [];
        for await (const key of error) all.push(key); // several keys fit a token without kid: try each
        return all;
      }
      const reason =
        error instanceof errors.JWKSTimeout ? `no complete answer within ${timeoutMs} ms`
        : error instanceof errors.JWKSInvalid ? 'the answer is not a valid JWKS'
        : networkReason(error);
      throw new KeySetUnavailable(`The identity provider's keys (${url}) cannot be read: ${reason}`, { cause: error });
    }
  };
}

/** fetch() says only "fetch failed"; its cause says why (ECONNREFUSED, ENOTFOUND, a TLS error). */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

// --- Keys from files ------------------------------------------------------------------------------
interface StaticKey {
  readonly kid: string | undefined;
  readonly algorithms: readonly string[];
  readonly key: KeyObject;
}

/** By kid when the token names one that a key carries; otherwise every key without kid whose type fits the alg. */
function staticKeys(keys: readonly StaticKey[]): KeySource {
  return async ({ alg, kid }) => {
    const fit = keys.filter((k) => k.algorithms.includes(alg!));
    const named = kid === undefined ? [] : fit.filter((k) => k.kid === kid);
    return (named.length > 0 ? named : fit.filter((k) => k.kid === undefined || kid === undefined)).map((k) => k.key);
  };
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Every problem of every file at once, each naming its file; a file must give at least one key. */
function readKeyFiles(files: readonly { path: string; text: string }[]): StaticKey[] {
  const problems: string[] = [];
  const keys = files.flatMap(({ path, text }) => {
    try {
      const found = text.includes('-----BEGIN') ? pemKeys(text) : jwkKeys(text);
      if (found.length === 0) throw new Error('holds no key for a signature algorithm we accept');
      return found;
    } catch (error) {
      problems.push(`EXHAUST_JWT_PUBLIC_KEYS: ${path} ${(error as Error).message}`);
      return [];
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return keys;
}

function pemKeys(text: string): StaticKey[] {
  return [...text.matchAll(PEM_BLOCK)].map(([block, label]) => {
    if (label!.includes('PRIVATE')) throw new Error(`holds a private key (${label}): give the public key only`);
    const key = publicKey(block);
    return { kid: undefined, algorithms: algorithmsFor(key.export({ format: 'jwk' })), key };
  });
}

function jwkKeys(text: string): StaticKey[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('is neither PEM nor JSON');
  }
  const set = json as { keys?: unknown } | null;
  const jwks = (Array.isArray(set?.keys) ? set.keys : [json]) as (JsonWebKey | null)[];
  return jwks
    .filter((jwk): jwk is JsonWebKey => jwk !== null && typeof jwk === 'object' && jwk.use !== 'enc') // a provider's JWKS also lists encryption keys
    .map((jwk) => {
      if (jwk.kty === 'oct') throw new Error('holds a symmetric (oct) key: only public keys are accepted');
      if (jwk.d !== undefined) throw new Error('holds a private JWK: give the public key only');
      const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
      return { kid, algorithms: algorithmsFor(jwk), key: publicKey({ key: jwk, format: 'jwk' }) };
    })
    .filter((k) => k.algorithms.length > 0);
}

function publicKey(input: Parameters<typeof createPublicKey>[0]): KeyObject {
  try {
    return createPublicKey(input);
  } catch (error) {
    throw new Error(`holds a key that cannot be read (${(error as Error).message})`);
  }
}

/** The accepted algorithms a key of this type (and, when it names one, alg) can verify. */
function algorithmsFor(jwk: JsonWebKey): string[] {
  const curves: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512', Ed25519: 'EdDSA' };
  const fit = jwk.kty === 'RSA' ? ALGORITHMS.filter((a) => /^(RS|PS)/.test(a)) : [curves[jwk.crv ?? ''] ?? ''].filter((a) => a);
  return jwk.alg === undefined ? fit : fit.filter((a) => a === jwk.alg);
}

// --- Claims → Person ------------------------------------------------------------------------------
function personOf(claims: JWTPayload, s: JwtSettings): Person {
  if (typeof claims.sub !== 'string' || claims.sub.trim() === '') throw unauthorized('The token names no subject (sub)');
  return { userId: userIdOf(claims.sub), roles: rolesAt(claims, s.rolesClaim), rootOrg: rootOrgOf(claims, s) };
}

function rolesAt(claims: JWTPayload, path: string): string[] {
  const roles = claimAt(claims, path);
  if (roles === undefined) return [];
  if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) {
    throw forbidden(`The token's claim ${path} must be a list of role names`);
  }
  return [...new Set(roles)];
}

function rootOrgOf(claims: JWTPayload, s: JwtSettings): RootOrg {
  const id = claimAt(claims, s.orgClaim);
  if (typeof id !== 'string' || id.trim() === '') {
    throw forbidden(`The token names no root organisation: its claim ${s.orgClaim} must be a non-empty string`);
  }
  return { id, slug: optionalText(claims, s.orgSlugClaim), channel: optionalText(claims, s.orgChannelClaim) };
}

function optionalText(claims: JWTPayload, path: string): string | undefined {
  const value = claimAt(claims, path);
  if (value !== undefined && typeof value !== 'string') throw forbidden(`The token's claim ${path} must be a string`);
  return value || undefined;
}

/** Walks nested objects by own properties only: a segment like `constructor` never reaches Object.prototype. */
function claimAt(claims: JWTPayload, path: string): unknown {
  let value: unknown = claims;
  for (const name of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

// Identity providers for tests, started on loopback: a JWKS endpoint serving keys the test
// generates (with a signer for tokens), and a small Sunbird user service answering as its spec's
// fixtures do.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export const ISSUER = 'https://id.test/auth/realms/sunbird';
export const AUDIENCE = 'data-exhaust';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export interface Jwks {
  url: string;
  /** JWKS requests served so far. */
  fetches: number;
  /** Adds a key to the published set (rotation); returns its kid. */
  rotate(): Promise<string>;
  /** A token signed with the newest published key, or with `key` (e.g. an unpublished one). */
  sign(claims: JWTPayload, options?: { nowMs: number; expiresInS?: number; key?: SigningKey; issuer?: string; audience?: string }): Promise<string>;
  /** A key that is never published. */
  stranger(): Promise<SigningKey>;
  close(): Promise<void>;
}

const newKey = async (kid: string): Promise<SigningKey> => ({ kid, ...(await generateKeyPair('RS256')) });

export async function startJwks(): Promise<Jwks> {
  const keys: SigningKey[] = [await newKey('key-1')];
  const server = createServer(async (_req, res) => {
    jwks.fetches += 1;
    const published = await Promise.all(keys.map(async (k) => ({ ...(await exportJWK(k.publicKey)), kid: k.kid, alg: 'RS256', use: 'sig' })));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
  });
  const jwks: Jwks = {
    url: `${await listen(server)}/protocol/openid-connect/certs`,
    fetches: 0,
    async rotate() {
      const key = await newKey(`key-${keys.length + 1}`);
      keys.push(key);
      return key.kid;
    },
    async sign(claims, options = { nowMs: Date.now() }) {
      const key = options.key ?? keys[keys.length - 1]!;
      const now = Math.floor(options.nowMs / 1000);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: key.kid })
        .setIssuer(options.issuer ?? ISSUER)
        .setAudience(options.audience ?? AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + (options.expiresInS ?? 300))
        .sign(key.privateKey);
    },
    stranger: () => newKey('key-1'),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return jwks;
}

/** A person as Sunbird's user service knows them. */
export interface DirectoryEntry {
  rootOrg: { id: string; slug?: string; channel?: string };
  /** Roles per organisation. */
  organisations: { organisationId: string; roles: string[] }[];
}

export interface UserDirectoryServer {
  /** The EXHAUST_USER_READ_URL prefix. */
  url: string;
  users: Map<string, DirectoryEntry>;
  /** The user ids asked for, with the token each request carried. */
  asked: { userId: string; token: string | undefined }[];
  /** Ids answered with a hang (never) or with a body that is not JSON. */
  hang: Set<string>;
  garbage: Set<string>;
  close(): Promise<void>;
}

export async function startUserDirectory(): Promise<UserDirectoryServer> {
  const prefix = '/private/user/v1/read/';
  const held = new Set<import('node:http').ServerResponse>();
  const server = createServer((req, res) => {
    const userId = decodeURIComponent((req.url ?? '').slice(prefix.length));
    directory.asked.push({ userId, token: req.headers['x-authenticated-user-token'] as string | undefined });
    if (directory.hang.has(userId)) return void held.add(res);
    if (directory.garbage.has(userId)) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": "api.user.read", oops');
    const entry = directory.users.get(userId);
    const envelope = { id: 'api.user.read', ver: 'v1', ts: new Date().toISOString() };
    if (!entry) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ ...envelope, params: { resmsgid: 'r', msgid: null, err: 'USER_NOT_FOUND', status: 'failed', errmsg: 'user not found.' }, responseCode: 'RESOURCE_NOT_FOUND', result: {} }));
    }
    const response = { id: userId, userId, rootOrgId: entry.rootOrg.id, rootOrg: entry.rootOrg, organisations: entry.organisations };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ...envelope, params: { resmsgid: 'r', msgid: null, err: null, status: 'success', errmsg: null }, responseCode: 'OK', result: { response } }));
  });
  const directory: UserDirectoryServer = {
    url: `${await listen(server)}${prefix}`,
    users: new Map(),
    asked: [],
    hang: new Set(),
    garbage: new Set(),
    close: () =>
      new Promise((resolve) => {
        for (const res of held) res.destroy();
        server.close(() => resolve());
      }),
  };
  return directory;
}

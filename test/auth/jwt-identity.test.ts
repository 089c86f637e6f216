// User tokens as Keycloak issues them: keys made here, the JWKS served from 127.0.0.1, the
// provider's rotation and outages played by a server the test controls and counts.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { jwtIdentity, type JwtSettings } from '../../src/auth/jwt-identity.js';
import { ConfigError } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import { TestClock } from '../helpers/clock.js';

const ISSUER = 'https://id.example.test/auth/realms/sunbird';
const AUDIENCE = 'data-exhaust';
const NOW = Date.parse('2024-01-15T10:00:00Z');
const seconds = (ms: number) => Math.floor(ms / 1000);
const CLAIMS = { issuer: ISSUER, audience: AUDIENCE, rolesClaim: 'realm_access.roles', orgClaim: 'rootOrgId', orgSlugClaim: 'rootOrgSlug', orgChannelClaim: 'rootOrgChannel' };

interface Signer { alg: string; kid: string; privateKey: CryptoKey; publicKey: CryptoKey }
let signers: Record<'rsa' | 'ec' | 'impostor' | 'next' | 'stranger' | 'ed', Signer>;

before(async () => {
  const make = async (alg: string, kid: string): Promise<Signer> => ({ alg, kid, ...(await generateKeyPair(alg)) });
  signers = {
    rsa: await make('RS256', 'rsa-1'),
    ec: await make('ES256', 'ec-1'),
    impostor: await make('RS256', 'rsa-1'), // the real key's kid, another key
    next: await make('RS256', 'rsa-2'),
    stranger: await make('ES256', 'stranger'),
    ed: await make('EdDSA', 'ed-1'),
  };
});

/** A Keycloak-like access token; `claims` overrides or (as undefined) removes defaults. */
function sign(signer: Signer, claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({
    iss: ISSUER, aud: [AUDIENCE, 'account'], sub: 'f:5a8a3f2b-3409-42e0-9001-f913bc0fde31:user-42',
    iat: seconds(NOW), exp: seconds(NOW) + 300, typ: 'Bearer',
    realm_access: { roles: ['ORG_ADMIN', 'REPORT_VIEWER', 'ORG_ADMIN'] },
    rootOrgId: 'org-1', rootOrgSlug: 'tn', rootOrgChannel: 'tn-channel',
    ...claims,
  }).setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'JWT', ...header }).sign(signer.privateKey);
}

async function jwks(...keys: Signer[]) {
  return { keys: await Promise.all(keys.map(async (s) => ({ ...(await exportJWK(s.publicKey)), kid: s.kid, alg: s.alg, use: 'sig' }))) };
}

/** A JWKS endpoint on 127.0.0.1 whose answer the test changes; counts the fetches. */
async function provider(t: TestContext, keySet: unknown) {
  const state = { fetches: 0, body: JSON.stringify(keySet), status: 200, hang: false };
  const server = createServer((_req, res) => {
    state.fetches += 1;
    if (!state.hang) res.writeHead(state.status, { 'content-type': 'application/json' }).end(state.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections(); // a hanging answer holds its socket open
    server.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/realms/sunbird/protocol/openid-connect/certs`;
  return { state, url, serve: (keys: unknown) => (state.body = JSON.stringify(keys)) };
}

const STATUS = { UNAUTHORIZED: 401, FORBIDDEN: 403, SERVICE_UNAVAILABLE: 503 } as const;

/** Refused with this code and status, a message matching `words`, and no part of the token in it. */
async function refused(verifying: Promise<unknown>, code: keyof typeof STATUS, token: string, words: RegExp) {
  await assert.rejects(verifying, (error: unknown) => {
    assert.ok(error instanceof AppError, `an AppError, not ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.statusCode, STATUS[code]);
    assert.match(error.message, words);
    for (const part of token.split('.').filter((p) => p.length > 8)) assert.ok(!error.message.includes(part), 'the token leaks into the message');
    return true;
  });
}

const clock = new TestClock(NOW);
const remote = (url: string, more: Partial<JwtSettings> = {}) => jwtIdentity({ ...CLAIMS, jwksUrl: url, jwksRefetchMs: 200, ...more }, clock);

describe('a good token', () => {
  test('RS256 from the JWKS → Person: federated sub reduced, realm roles once each, root org from claims', async (t) => {
    const { url } = await provider(t, await jwks(signers.rsa, signers.ec));
    const person = await remote(url).verify(await sign(signers.rsa));
    assert.deepEqual(person, { userId: 'user-42', roles: ['ORG_ADMIN', 'REPORT_VIEWER'], rootOrg: { id: 'org-1', slug: 'tn', channel: 'tn-channel' } });
  });

  test('ES256, a plain sub, a single aud, no roles, no slug or channel', async (t) => {
    const { url } = await provider(t, await jwks(signers.rsa, signers.ec));
    const token = await sign(signers.ec, { sub: 'user-7', aud: AUDIENCE, realm_access: undefined, rootOrgSlug: undefined, rootOrgChannel: undefined });
    assert.deepEqual(await remote(url).verify(token), { userId: 'user-7', roles: [], rootOrg: { id: 'org-1', slug: undefined, channel: undefined } });
  });

  test('custom claim paths walk nested objects', async (t) => {
    const { url } = await provider(t, await jwks(signers.rsa));
    const identity = remote(url, { rolesClaim: 'resource_access.data-exhaust.roles', orgClaim: 'org.id', orgSlugClaim: 'org.slug', orgChannelClaim: 'org.channel' });
    const token = await sign(signers.rsa, {
      resource_access: { 'data-exhaust': { roles: ['REPORT_ADMIN'] } }, org: { id: 'org-9', slug: 'ka', channel: 'ka-channel' },
    });
    assert.deepEqual(await identity.verify(token), { userId: 'user-42', roles: ['REPORT_ADMIN'], rootOrg: { id: 'org-9', slug: 'ka', channel: 'ka-channel' } });
  });
});

describe('claims the service decides by', () => {
  test('authentic token without root org → 403 naming the claim; inherited properties are no claims', async (t) => {
    const { url } = await provider(t, await jwks(signers.rsa));
    for (const rootOrgId of [undefined, '', 42]) {
      const token = await sign(signers.rsa, { rootOrgId });
      await refused(remote(url).verify(token), 'FORBIDDEN', token, /rootOrgId/);
    }
    const token = await sign(signers.rsa);
    assert.deepEqual((await remote(url, { rolesClaim: 'realm_access.constructor' }).verify(token)).roles, [], 'Object.prototype is no claim');
  });

  test('roles that are not a list of names → 403 naming the claim', async (t) => {
    const { url } = await provider(t, await jwks(signers.rsa));
    for (const roles of ['ORG_ADMIN', ['ORG_ADMIN', 7]]) {
      const token = await sign(signers.rsa, { realm_access: { roles } });
      await refused(remote(url).verify(token), 'FORBIDDEN', token, /realm_access\.roles/);
    }
  });

  test('no sub → 401', async (t) => {
    const { url } = await provider(t, await jwks(signers.rsa));
    for (const sub of [undefined, ' ']) {
      const token = await sign(signers.rsa, { sub });
      await refused(remote(url).verify(token), 'UNAUTHORIZED', token, /subject/);
    }
  });
});

describe('time, with 30 s of clock skew', () => {
  test('expired beyond the skew → 401; within it → accepted; no exp → 401', async (t) => {
    const { url } = await provider(t, await jwks(signers.rsa));
    const identity = jwtIdentity({ ...CLAIMS, jwksUrl: url }, clock);
    const token = await sign(signers.rsa, { exp: seconds(NOW) + 60 });
    t.after(() => clock.set(NOW));
    clock.set(NOW + 60_000 + 29_000);
    assert.equal((await identity.verify(token)).userId, 'user-42');
    clock.set(NOW + 60_000 + 31_000);
    await refused(identity.verify(token), 'UNAUTHORIZED', token, /expired/);
    clock.set(NOW);
    const endless = await sign(signers.rsa, { exp: undefined });
    await refused(identity.verify(endless), 'UNAUTHORIZED', endless, /expiry/);
  });

  test('nbf beyond the skew → 401; within it → accepted', async (t) => {
    const { url } = await provider(t, await jwks(signers.rsa));
    const early = await sign(signers.rsa, { nbf: seconds(NOW) + 31 });
    await refused(remote(url).verify(early), 'UNAUTHORIZED', early, /not valid yet/);
    assert.equal((await remote(url).verify(await sign(signers.rsa, { nbf: seconds(NOW) + 29 }))).userId, 'user-42');
  });
});

describe('tokens that cannot be trusted → 401', () => {
  test('wrong issuer, wrong audience, a signature by another key under the same kid, a kid nobody knows', async (t) => {
    const { url } = await provider(t, await jwks(signers.rsa, signers.ec));
    const identity = remote(url);
    const cases: [string, RegExp][] = [
      [await sign(signers.rsa, { iss: 'https://evil.example.test/auth/realms/sunbird' }), /issuer/],
      [await sign(signers.rsa, { aud: 'another-service' }), /not meant for this service/],
      [await sign(signers.impostor), /signature does not verify/],
      [await sign(signers.stranger), /No key known/],
      ['not-a-jwt', /not a well-formed JWT/],
    ];
    for (const [token, words] of cases) await refused(identity.verify(token), 'UNAUTHORIZED', token, words);
  });

  test('alg none and HS256 keyed with the public key are refused before the JWKS is even fetched', async (t) => {
    const { url, state } = await provider(t, await jwks(signers.rsa));
    const pem = await exportSPKI(signers.rsa.publicKey);
    const jwk = await exportJWK(signers.rsa.publicKey);
    const encode = (json: object) => base64url.encode(JSON.stringify(json));
    const payload = { iss: ISSUER, aud: AUDIENCE, sub: 'user-42', exp: seconds(NOW) + 300, rootOrgId: 'org-1' };
    // The key-confusion attack: HMAC "secrets" that are the public key's own bytes.
    const hmac = (secret: string, alg = 'HS256') =>
      new SignJWT(payload).setProtectedHeader({ alg, kid: 'rsa-1' }).sign(new TextEncoder().encode(secret));
    const forged = [
      `${encode({ alg: 'none', typ: 'JWT', kid: 'rsa-1' })}.${encode(payload)}.`,
      `${encode({ alg: 'NONE', typ: 'JWT' })}.${encode(payload)}.`,
      await hmac(pem),
      await hmac(pem.trim(), 'HS512'),
      await hmac(JSON.stringify(jwk)),
    ];
    for (const token of forged) await refused(remote(url).verify(token), 'UNAUTHORIZED', token, /algorithm is not accepted/);
    assert.equal(state.fetches, 0);
  });
});

describe('key rotation at the provider', () => {
  test('a new kid is fetched once the refetch window has passed; unknown kids inside the window cause no fetch', async (t) => {
    const { url, state, serve } = await provider(t, await jwks(signers.rsa));
    const identity = remote(url, { jwksRefetchMs: 200 });
    await identity.verify(await sign(signers.rsa));
    assert.equal(state.fetches, 1);

    serve(await jwks(signers.rsa, signers.next)); // the provider rotates
    const rotated = await sign(signers.next);
    // Within 200 ms of the last fetch: refused without asking again (rate limit).
    await refused(identity.verify(rotated), 'UNAUTHORIZED', rotated, /No key known/);
    assert.equal(state.fetches, 1);

    await sleep(220);
    assert.equal((await identity.verify(rotated)).userId, 'user-42');
    assert.equal(state.fetches, 2);
    const stranger = await sign(signers.stranger);
    await refused(identity.verify(stranger), 'UNAUTHORIZED', stranger, /No key known/);
    await refused(identity.verify(stranger), 'UNAUTHORIZED', stranger, /No key known/);
    assert.equal(state.fetches, 2, 'a second unknown kid within the window fetches nothing');
    assert.equal((await identity.verify(await sign(signers.rsa))).userId, 'user-42', 'known kids keep working');

    await sleep(220);
    await refused(identity.verify(stranger), 'UNAUTHORIZED', stranger, /No key known/);
    assert.equal(state.fetches, 3, 'after the window an unknown kid may fetch again');
  });

  test('concurrent first verifications share one fetch', async (t) => {
    const { url, state } = await provider(t, await jwks(signers.rsa));
    const identity = remote(url);
    const token = await sign(signers.rsa);
    await Promise.all(Array.from({ length: 8 }, () => identity.verify(token)));
    assert.equal(state.fetches, 1);
  });
});

describe('the JWKS cannot be read → 503, never accepted', () => {
  test('nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve)); // the port is free again: connection refused
    const token = await sign(signers.rsa);
    await refused(remote(`http://127.0.0.1:${port}/certs`).verify(token), 'SERVICE_UNAVAILABLE', token, /cannot be read: ECONNREFUSED/);
  });

  test('no answer within jwksTimeoutMs', async (t) => {
    const { url, state } = await provider(t, await jwks(signers.rsa));
    state.hang = true;
    const token = await sign(signers.rsa);
    const started = Date.now();
    await refused(remote(url, { jwksTimeoutMs: 150 }).verify(token), 'SERVICE_UNAVAILABLE', token, /within 150 ms/);
    assert.ok(Date.now() - started < 1500, `gave up after ${Date.now() - started} ms`);
  });

  test('garbage, a non-JWKS, an error status; the next good answer is used at once', async (t) => {
    const { url, state, serve } = await provider(t, {});
    const token = await sign(signers.rsa);
    const identity = remote(url, { jwksRefetchMs: 60_000 });
    const answers: [number, string][] = [
      [200, '<html>gateway</html>'], [200, '{"keys":"none"}'], [200, '{"issuer":"x"}'], [500, '{}'], [302, ''],
    ];
    for (const [status, body] of answers) {
      Object.assign(state, { status, body });
      await refused(identity.verify(token), 'SERVICE_UNAVAILABLE', token, /cannot be read/);
    }
    state.status = 200;
    serve(await jwks(signers.rsa));
    assert.equal((await identity.verify(token)).userId, 'user-42', 'a failed fetch starts no cooldown');
  });
});

describe('static keys from files', () => {
  const fromFiles = (...publicKeys: { path: string; text: string }[]) => jwtIdentity({ ...CLAIMS, publicKeys }, clock);

  test('PEM (SPKI) files: a kid-less key verifies tokens with or without kid, by key type', async () => {
    const identity = fromFiles(
      { path: '/keys/rsa.pem', text: await exportSPKI(signers.rsa.publicKey) },
      { path: '/keys/ec.pem', text: await exportSPKI(signers.ec.publicKey) },
    );
    assert.equal((await identity.verify(await sign(signers.rsa))).userId, 'user-42');
    assert.equal((await identity.verify(await sign(signers.ec, {}, { kid: undefined }))).userId, 'user-42');
    const impostor = await sign(signers.impostor);
    await refused(identity.verify(impostor), 'UNAUTHORIZED', impostor, /signature does not verify/);
    // The classic attack is aimed at exactly this set-up: the PEM's bytes as an HMAC secret.
    const pem = await exportSPKI(signers.rsa.publicKey);
    const forged = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'u', exp: seconds(NOW) + 60, rootOrgId: 'o' })
      .setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(pem));
    await refused(identity.verify(forged), 'UNAUTHORIZED', forged, /algorithm is not accepted/);
  });

  test('JWK and JWKS files: chosen by kid; EdDSA; an unknown kid → 401', async () => {
    const set: { keys: object[] } = await jwks(signers.rsa, signers.ec);
    // An encryption key (Keycloak lists one beside its signing keys) never verifies a signature.
    set.keys.push({ ...(await exportJWK(signers.rsa.publicKey)), use: 'enc', kid: 'enc-1' });
    const identity = fromFiles(
      { path: '/keys/realm.json', text: JSON.stringify(set) },
      { path: '/keys/ed.jwk', text: JSON.stringify({ ...(await exportJWK(signers.ed.publicKey)), kid: 'ed-1' }) },
    );
    for (const signer of [signers.rsa, signers.ec, signers.ed]) assert.equal((await identity.verify(await sign(signer))).userId, 'user-42');
    for (const token of [await sign(signers.stranger), await sign(signers.impostor, {}, { kid: 'rsa-9' }), await sign(signers.rsa, {}, { kid: 'enc-1' })]) {
      await refused(identity.verify(token), 'UNAUTHORIZED', token, /No key known/);
    }
  });

  test('unusable files and settings are all reported at start, each naming its file or variable', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const problemsOf = (settings: JwtSettings) => {
      try {
        jwtIdentity(settings);
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.problems;
      }
      assert.fail('accepted');
    };
    const problems = problemsOf({
      ...CLAIMS,
      publicKeys: [
        { path: '/keys/private.json', text: JSON.stringify(await exportJWK(privateKey)) },
        { path: '/keys/secret.json', text: JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }) },
        { path: '/keys/notes.txt', text: 'hello' },
        { path: '/keys/broken.pem', text: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' },
      ],
    });
    assert.deepEqual(problems.map((p) => /\/keys\/\S+/.exec(p)?.[0]), ['/keys/private.json', '/keys/secret.json', '/keys/notes.txt', '/keys/broken.pem']);
    assert.match(problems.join('\n'), /private JWK[\s\S]*symmetric[\s\S]*neither PEM nor JSON[\s\S]*cannot be read/);
  });
});

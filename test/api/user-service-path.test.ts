// The user path with Sunbird's user service (EXHAUST_USER_READ_URL), alone and behind signed
// tokens, and the proof that a person's call never consults the consumer table.
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { insertBatch, insertCollection } from '../helpers/collection-records.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { AUDIENCE, ISSUER, type Jwks, startJwks, startUserDirectory, type UserDirectoryServer } from '../helpers/identity.js';

const SUBMIT = '/dataset/v1/request/submit';
const ORG = 'org-1';
const TOKEN = 'opaque-user-token-0123456789';
const body = (request: Record<string, unknown> = {}) => ({ request: { tag: 'tag-1', dataset: 'progress-exhaust', datasetConfig: { batchId: 'b-1' }, ...request } });
type Answer = { statusCode: number; body: string; json(): { params: { errmsg: string }; result: Record<string, unknown> } };
const refusedWith = (res: Answer, status: number, message: string | RegExp) => {
  assert.equal(res.statusCode, status, res.body);
  if (typeof message === 'string') assert.equal(res.json().params.errmsg, message);
  else assert.match(res.json().params.errmsg, message);
};

for (const dialect of dialects) {
  describe(`user path with Sunbird's user service (${dialect.name})`, () => {
    let database: TestDatabase;
    let directory: UserDirectoryServer;
    let t: TestApp;
    const headers = (userId: string | undefined, channel = ORG): Record<string, string> => ({
      'x-authenticated-user-token': TOKEN,
      'x-channel-id': channel,
      ...(userId === undefined ? {} : { 'x-authenticated-userid': userId }),
    });
    const submit = (h: Record<string, string>, request?: Record<string, unknown>) => t.app.inject({ method: 'POST', url: SUBMIT, headers: h, payload: body(request) });

    before(async () => {
      database = await dialect.open();
      directory = await startUserDirectory();
      directory.users.set('u-admin', { rootOrg: { id: ORG, slug: 'org-one', channel: 'org-one' }, organisations: [{ organisationId: ORG, roles: ['PUBLIC'] }, { organisationId: 'sub-org', roles: ['ORG_ADMIN'] }] });
      directory.users.set('u-mentor', { rootOrg: { id: ORG }, organisations: [{ organisationId: ORG, roles: ['COURSE_MENTOR'] }] });
      directory.hang.add('u-slow');
      directory.garbage.add('u-garbled');
      t = await startTestApp(database, { EXHAUST_USER_READ_URL: directory.url, EXHAUST_USER_READ_TIMEOUT_MS: '300', EXHAUST_USER_CACHE_SECONDS: '0' });
      await insertCollection(database.db, { id: 'c-1', channel: ORG });
      await insertBatch(database.db, { id: 'b-1', collection_id: 'c-1', mentors: JSON.stringify(['u-mentor']) });
      await insertBatch(database.db, { id: 'b-2', collection_id: 'c-1' });
    });
    after(async () => {
      await t.close();
      await directory.close();
      await database.drop();
    });

    test('roles are the union of the organisations\' roles; the token reaches the service', async () => {
      const res = await submit(headers('u-admin'));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().result.requestedBy, 'u-admin');
      assert.deepEqual(directory.asked.at(-1), { userId: 'u-admin', token: TOKEN });
    });

    test('a mentor of the user service is held to their batches', async () => {
      assert.equal((await submit(headers('u-mentor'), { tag: 'm' })).statusCode, 200);
      refusedWith(await submit(headers('u-mentor'), { tag: 'm', datasetConfig: { batchId: 'b-2' } }), 403, 'You are not authorized.');
    });

    test('the service\'s refusal is a 403 with its own words', async () => {
      refusedWith(await submit(headers('u-unknown')), 403, 'user not found.');
    });

    test('a service that hangs or answers garbage is a 503, never a 500 and never an open door', async () => {
      refusedWith(await submit(headers('u-slow')), 503, /user service is unavailable/);
      refusedWith(await submit(headers('u-garbled')), 503, /user service is unavailable/);
    });

    test('without X-Authenticated-Userid the call is refused', async () => {
      refusedWith(await submit(headers(undefined)), 403, 'X-Authenticated-Userid is missing in request header');
    });
  });

  describe(`signed token first, then the user service about the verified user (${dialect.name})`, () => {
    let database: TestDatabase;
    let directory: UserDirectoryServer;
    let jwks: Jwks;
    let t: TestApp;

    before(async () => {
      database = await dialect.open();
      directory = await startUserDirectory();
      jwks = await startJwks();
      // The service knows roles the token does not carry.
      directory.users.set('u-admin', { rootOrg: { id: ORG }, organisations: [{ organisationId: ORG, roles: ['REPORT_ADMIN'] }] });
      t = await startTestApp(database, {
        EXHAUST_USER_READ_URL: directory.url,
        EXHAUST_JWKS_URL: jwks.url,
        EXHAUST_JWT_ISSUER: ISSUER,
        EXHAUST_JWT_AUDIENCE: AUDIENCE,
      });
      await insertCollection(database.db, { id: 'c-1', channel: ORG });
      await insertBatch(database.db, { id: 'b-1', collection_id: 'c-1' });
    });
    after(async () => {
      await t.close();
      await jwks.close();
      await directory.close();
      await database.drop();
    });

    test('the verified subject is asked about, and its answer decides', async () => {
      const token = await jwks.sign({ sub: 'f:realm:u-admin', rootOrgId: ORG, realm_access: { roles: [] } }, { nowMs: t.clock.now() });
      const res = await t.app.inject({ method: 'POST', url: SUBMIT, headers: { 'x-authenticated-user-token': token, 'x-channel-id': ORG }, payload: body() });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(directory.asked.map((a) => a.userId), ['u-admin']);
    });

    test('a token that fails verification never reaches the user service', async () => {
      const asked = directory.asked.length;
      const forged = await jwks.sign({ sub: 'u-admin', rootOrgId: ORG }, { nowMs: t.clock.now(), key: await jwks.stranger() });
      refusedWith(await t.app.inject({ method: 'POST', url: SUBMIT, headers: { 'x-authenticated-user-token': forged, 'x-channel-id': ORG }, payload: body() }), 401, /./);
      assert.equal(directory.asked.length, asked);
    });

    test('a gateway naming another user than the token is not believed', async () => {
      const token = await jwks.sign({ sub: 'u-admin', rootOrgId: ORG }, { nowMs: t.clock.now() });
      const headers = { 'x-authenticated-user-token': token, 'x-channel-id': ORG, 'x-authenticated-userid': 'u-other' };
      refusedWith(await t.app.inject({ method: 'POST', url: SUBMIT, headers, payload: body() }), 403, 'You are not authorized.');
    });
  });

  describe(`the consumer table is never consulted on the user path (${dialect.name})`, () => {
    let database: TestDatabase;
    let directory: UserDirectoryServer;
    let t: TestApp;

    before(async () => {
      database = await dialect.open();
      directory = await startUserDirectory();
      directory.users.set('u-admin', { rootOrg: { id: ORG }, organisations: [{ organisationId: ORG, roles: ['ORG_ADMIN'] }] });
      t = await startTestApp(database, { EXHAUST_USER_READ_URL: directory.url });
      await insertCollection(database.db, { id: 'c-1', channel: ORG });
      await insertBatch(database.db, { id: 'b-1', collection_id: 'c-1' });
      // Without its table, any look-up in it fails the call.
      await sql`drop table consumer_channel`.execute(database.db);
    });
    after(async () => {
      await t.close();
      await directory.close();
      await database.drop();
    });

    test('submit, read and list work for a person; a consumer\'s call fails for want of the table', async () => {
      const headers = { 'x-authenticated-user-token': TOKEN, 'x-authenticated-userid': 'u-admin', 'x-channel-id': ORG, 'x-consumer-id': 'portal' };
      const submitted = await t.app.inject({ method: 'POST', url: SUBMIT, headers, payload: body() });
      assert.equal(submitted.statusCode, 200, submitted.body);
      const { requestId } = submitted.json().result as { requestId: string };
      assert.equal((await t.app.inject({ method: 'GET', url: `/dataset/v1/request/read/tag-1?requestId=${requestId}`, headers })).statusCode, 200);
      assert.equal((await t.app.inject({ method: 'GET', url: '/dataset/v1/request/list/tag-1', headers })).statusCode, 200);
      const consumer = await t.app.inject({ method: 'GET', url: '/dataset/v1/request/list/tag-1', headers: { 'x-channel-id': ORG, 'x-consumer-id': 'portal' } });
      assert.equal(consumer.statusCode, 500, 'the same call on the consumer path does read the table');
    });
  });

  describe(`no identity provider configured (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;
    before(async () => {
      database = await dialect.open();
      t = await startTestApp(database);
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    test('a user token is refused, never handed to the consumer path', async () => {
      const res = await t.app.inject({ method: 'POST', url: SUBMIT, headers: { 'x-authenticated-user-token': TOKEN, 'x-channel-id': ORG }, payload: body() });
      refusedWith(res, 403, 'user tokens are not accepted: no identity provider is configured');
    });
  });
}

// The user path (DESIGN §3.7) with signed tokens: a call carrying x-authenticated-user-token is
// decided by the person's roles and root organisation, and a mentor only by their own batches.
import assert from 'node:assert/strict';
import { createLogger } from '../../src/logger.js';
import { after, before, describe, test } from 'node:test';
import { requestIdOf } from '../../src/requests/request-id.js';
import { adminHeaders, allowChannels, CONSUMER, startTestApp, type TestApp } from '../helpers/app.js';
import { insertBatch, insertCollection } from '../helpers/collection-records.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { AUDIENCE, ISSUER, type Jwks, startJwks } from '../helpers/identity.js';

const SUBMIT = '/dataset/v1/request/submit';
const ORG = 'org-1';

/** Claims as Keycloak issues them for Sunbird, with the org claims of our defaults. */
const claims = (userId: string, roles: string[], org: { id?: string; slug?: string; channel?: string } = {}) => ({
  sub: `f:realm-1:${userId}`,
  realm_access: { roles },
  rootOrgId: org.id ?? ORG,
  ...(org.slug !== undefined ? { rootOrgSlug: org.slug } : {}),
  ...(org.channel !== undefined ? { rootOrgChannel: org.channel } : {}),
});

const submitBody = (request: Record<string, unknown>) => ({ request: { tag: 'tag-1', dataset: 'progress-exhaust', datasetConfig: { batchId: 'b-1' }, ...request } });

for (const dialect of dialects) {
  describe(`user path with signed tokens (${dialect.name})`, () => {
    let database: TestDatabase;
    let jwks: Jwks;
    let t: TestApp;
    const token = (userId: string, roles: string[], org?: Parameters<typeof claims>[2]) => jwks.sign(claims(userId, roles, org), { nowMs: t.clock.now() });
    const as = async (userId: string, roles: string[], org?: Parameters<typeof claims>[2], channel = ORG) => ({
      'x-authenticated-user-token': await token(userId, roles, org),
      'x-channel-id': channel,
    });
    const submit = async (headers: Record<string, string>, request: Record<string, unknown> = {}) =>
      t.app.inject({ method: 'POST', url: SUBMIT, headers, payload: submitBody(request) });
    const refusedWith = (res: { statusCode: number; json(): { params: { errmsg: string }; responseCode: string } }, status: number, message: string | RegExp) => {
      assert.equal(res.statusCode, status, JSON.stringify(res.json()));
      if (typeof message === 'string') assert.equal(res.json().params.errmsg, message);
      else assert.match(res.json().params.errmsg, message);
    };

    before(async () => {
      database = await dialect.open();
      jwks = await startJwks();
      t = await startTestApp(database, { EXHAUST_JWKS_URL: jwks.url, EXHAUST_JWT_ISSUER: ISSUER, EXHAUST_JWT_AUDIENCE: AUDIENCE, EXHAUST_JWKS_REFETCH_SECONDS: '0' });
      await insertCollection(database.db, { id: 'c-1', name: 'Course', channel: ORG });
      await insertBatch(database.db, { id: 'b-1', collection_id: 'c-1', created_by: 'u-admin', mentors: JSON.stringify(['u-mentor']) });
      await insertBatch(database.db, { id: 'b-2', collection_id: 'c-1', created_by: 'u-admin', mentors: JSON.stringify(['u-other']) });
      await insertBatch(database.db, { id: 'b-3', collection_id: 'c-1', created_by: 'u-mentor', mentors: null });
    });
    after(async () => {
      await t.close();
      await jwks.close();
      await database.drop();
    });

    test('an org admin submits; requestedBy is the signed-in user, and the request id uses it', async () => {
      const res = await submit(await as('u-admin', ['ORG_ADMIN']));
      assert.equal(res.statusCode, 200, res.body);
      const job = res.json().result;
      assert.equal(job.requestedBy, 'u-admin', 'the f:<realm>: prefix of the subject is dropped');
      assert.equal(job.tag, `tag-1:${ORG}`);
      const expected = requestIdOf({ dataset: 'progress-exhaust', tag: 'tag-1', requestedBy: 'u-admin', channel: ORG, submittedAt: t.clock.now(), timeZone: 'UTC' });
      assert.equal(job.requestId, expected);
    });

    test('requestedBy given: the same user is fine, another is a 400 naming requestedBy', async () => {
      assert.equal((await submit(await as('u-admin', ['ORG_ADMIN']), { requestedBy: 'u-admin', tag: 'tag-rb' })).statusCode, 200);
      refusedWith(await submit(await as('u-admin', ['ORG_ADMIN']), { requestedBy: 'someone-else' }), 400, /^requestedBy must be the signed-in user/);
    });

    test('X-Channel-ID is compared with the root org case-insensitively', async () => {
      assert.equal((await submit(await as('u-admin', ['ORG_ADMIN'], {}, 'ORG-1'), { tag: 'tag-case' })).statusCode, 200);
    });

    test('a token for another organisation is refused', async () => {
      refusedWith(await submit(await as('u-admin', ['ORG_ADMIN'], { id: 'org-2' })), 403, 'You are not authorized.');
    });

    test('roles: none of the dataset\'s authorizedRoles → refused; userinfo needs its own', async () => {
      refusedWith(await submit(await as('u-public', ['PUBLIC'])), 403, 'You are not authorized.');
      // progress-exhaust allows CONTENT_CREATOR; userinfo-exhaust does not.
      assert.equal((await submit(await as('u-creator', ['CONTENT_CREATOR']), { tag: 'tag-cc' })).statusCode, 200);
      const userinfo = { dataset: 'userinfo-exhaust', encryptionKey: 'k', tag: 'tag-ui' };
      refusedWith(await submit(await as('u-creator', ['CONTENT_CREATOR']), userinfo), 403, 'You are not authorized.');
      assert.equal((await submit(await as('u-admin', ['REPORT_ADMIN']), userinfo)).statusCode, 200);
    });

    test('a mentor submits for the batches they mentor or created, and only those', async () => {
      const mentor = () => as('u-mentor', ['COURSE_MENTOR', 'PUBLIC']);
      const listed = await submit(await mentor(), { tag: 'tag-m1' });
      assert.equal(listed.statusCode, 200, `listed in mentors: ${listed.body}`);
      const created = await submit(await mentor(), { tag: 'tag-m3', datasetConfig: { batchId: 'b-3' } });
      assert.equal(created.statusCode, 200, `createdBy: ${created.body}`);
      for (const datasetConfig of [{ batchId: 'b-2' }, { batchFilter: ['b-1', 'b-2'] }, { batchId: 'no-such-batch' }]) {
        const res = await submit(await mentor(), { tag: 'tag-m2', datasetConfig });
        refusedWith(res, 403, 'You are not authorized.');
        // The refusal names nothing private: Sunbird's words alone, and an empty result.
        assert.deepEqual(res.json().result, {});
      }
      // An admin may ask about any batch of the organisation.
      assert.equal((await submit(await as('u-radmin', ['REPORT_ADMIN', 'COURSE_MENTOR']), { tag: 'tag-m2', datasetConfig: { batchFilter: ['b-1', 'b-2'] } })).statusCode, 200);
    });

    test('read and list show a mentor only the requests of batches they may see', async () => {
      const admin = await as('u-admin', ['ORG_ADMIN']);
      const ids: Record<string, string> = {};
      for (const batchId of ['b-1', 'b-2']) {
        const res = await submit(admin, { tag: 'shared', datasetConfig: { batchId }, dataset: batchId === 'b-1' ? 'progress-exhaust' : 'response-exhaust' });
        ids[batchId] = res.json().result.requestId;
      }
      const mentor = await as('u-mentor', ['COURSE_MENTOR']);
      const list = await t.app.inject({ method: 'GET', url: '/dataset/v1/request/list/shared', headers: mentor });
      assert.equal(list.statusCode, 200, list.body);
      assert.equal(list.json().result.count, 1);
      assert.deepEqual(list.json().result.jobs.map((j: { requestId: string }) => j.requestId), [ids['b-1']]);
      const adminList = await t.app.inject({ method: 'GET', url: '/dataset/v1/request/list/shared', headers: admin });
      assert.equal(adminList.json().result.count, 2);
      const readOwn = await t.app.inject({ method: 'GET', url: `/dataset/v1/request/read/shared?requestId=${ids['b-1']}`, headers: mentor });
      assert.equal(readOwn.statusCode, 200);
      const readOther = await t.app.inject({ method: 'GET', url: `/dataset/v1/request/read/shared?requestId=${ids['b-2']}`, headers: mentor });
      refusedWith(readOther, 404, 'no job available with the given request_id and tag');
    });

    test('read and list need one of EXHAUST_ONDEMAND_ROLES and the root org', async () => {
      refusedWith(await t.app.inject({ method: 'GET', url: '/dataset/v1/request/list/shared', headers: await as('u-public', ['PUBLIC']) }), 403, 'You are not authorized.');
      refusedWith(await t.app.inject({ method: 'GET', url: '/dataset/v1/request/list/shared', headers: await as('u-admin', ['ORG_ADMIN'], { id: 'org-2' }) }), 403, 'You are not authorized.');
    });

    describe('a token that cannot be trusted is refused, before the body is read', () => {
      const bad = { request: { tag: '' } };
      test('expired', async () => {
        const expired = await jwks.sign(claims('u-admin', ['ORG_ADMIN']), { nowMs: t.clock.now() - 3_600_000, expiresInS: 60 });
        refusedWith(await t.app.inject({ method: 'POST', url: SUBMIT, headers: { 'x-authenticated-user-token': expired, 'x-channel-id': ORG }, payload: bad }), 401, /expired/);
      });
      test('signed by a key the issuer never published', async () => {
        const forged = await jwks.sign(claims('u-admin', ['ORG_ADMIN']), { nowMs: t.clock.now(), key: await jwks.stranger() });
        refusedWith(await t.app.inject({ method: 'POST', url: SUBMIT, headers: { 'x-authenticated-user-token': forged, 'x-channel-id': ORG }, payload: bad }), 401, /./);
      });
      test('alg none', async () => {
        const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const now = Math.floor(t.clock.now() / 1000);
        const none = `${encode({ alg: 'none' })}.${encode({ ...claims('u-admin', ['ORG_ADMIN']), iss: ISSUER, aud: AUDIENCE, exp: now + 60 })}.`;
        refusedWith(await t.app.inject({ method: 'POST', url: SUBMIT, headers: { 'x-authenticated-user-token': none, 'x-channel-id': ORG }, payload: bad }), 401, /./);
      });
      test('wrong audience', async () => {
        const other = await jwks.sign(claims('u-admin', ['ORG_ADMIN']), { nowMs: t.clock.now(), audience: 'another-service' });
        refusedWith(await t.app.inject({ method: 'GET', url: '/dataset/v1/request/list/x', headers: { 'x-authenticated-user-token': other, 'x-channel-id': ORG } }), 401, /./);
      });
      test('no X-Channel-ID: 403 whatever the token', async () => {
        refusedWith(await t.app.inject({ method: 'POST', url: SUBMIT, headers: { 'x-authenticated-user-token': await token('u-admin', ['ORG_ADMIN']) }, payload: bad }), 403, 'X-Channel-ID is missing in request header');
      });
      test('the token never reaches the log: not in the access line, and blanked wherever headers are logged', async () => {
        const secret = await token('u-admin', ['ORG_ADMIN']);
        await t.app.inject({ method: 'POST', url: SUBMIT, headers: { 'x-authenticated-user-token': secret, 'x-channel-id': 'org-2' }, payload: bad });
        assert.match(t.log(), /"path":"\/dataset\/v1\/request\/submit","status":403/, 'the refusal was logged');
        assert.ok(!t.log().includes(secret));
        // Code that logs a request's headers (a failure's context, say) gets them blanked.
        const lines: string[] = [];
        const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
        logger.error({ req: { headers: { 'x-authenticated-user-token': secret, authorization: `Bearer ${secret}` } }, headers: { 'x-authenticated-user-token': secret } }, 'request failed');
        assert.equal(lines.length, 1);
        assert.ok(!lines[0]!.includes(secret), lines[0]);
        assert.match(lines[0]!, /"x-authenticated-user-token":"\[redacted\]"/);
      });
    });

    test('a key rotated in at the issuer is fetched on its first token (EXHAUST_JWKS_REFETCH_SECONDS=0 here)', async () => {
      const before = jwks.fetches;
      await jwks.rotate();
      const res = await submit(await as('u-admin', ['ORG_ADMIN']), { tag: 'tag-rot' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(jwks.fetches, before + 1, 'one refetch for the unknown kid');
      assert.equal((await submit(await as('u-admin', ['ORG_ADMIN']), { tag: 'tag-rot-2' })).statusCode, 200);
      assert.equal(jwks.fetches, before + 1, 'a known kid needs no fetch');
    });

    test('the gateway\'s Authorization beside the user token is ignored, and never taken for the admin token', async () => {
      const headers = { ...(await as('u-public', ['PUBLIC'])), authorization: adminHeaders.authorization };
      refusedWith(await submit(headers), 403, 'You are not authorized.');
      const consumerless = await t.app.inject({ method: 'GET', url: '/dataset/v1/request/list/shared', headers: { 'x-channel-id': ORG, authorization: adminHeaders.authorization } });
      refusedWith(consumerless, 403, /^Given X-Consumer-ID=''/);
    });

    test('a mapped consumer does not let a person of another organisation through', async () => {
      await allowChannels(database, [ORG]);
      const headers = { ...(await as('u-admin', ['ORG_ADMIN'], { id: 'org-2' })), 'x-consumer-id': CONSUMER };
      refusedWith(await submit(headers), 403, 'You are not authorized.');
    });

    describe('standard exhaust: Sunbird\'s rule, without its hole', () => {
      const get = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/data/v3/dataset/get/summary-rollup', headers });
      test('an org admin of the channel (root org slug)', async () => {
        assert.equal((await get(await as('u-admin', ['ORG_ADMIN'], { slug: 'org-one' }, 'org-one'))).statusCode, 200);
      });
      test('another channel, a mentor, or a root org without slug or channel: refused', async () => {
        refusedWith(await get(await as('u-admin', ['ORG_ADMIN'], { slug: 'org-one' }, 'org-two')), 403, 'You are not authorized.');
        refusedWith(await get(await as('u-mentor', ['COURSE_MENTOR'], { slug: 'org-one' }, 'org-one')), 403, 'You are not authorized.');
        // Sunbird let this one through when no super-admin channel was configured.
        refusedWith(await get(await as('u-admin', ['ORG_ADMIN'], {}, 'org-two')), 403, 'You are not authorized.');
      });
      test('with EXHAUST_SUPER_ADMIN_CHANNEL, a root org on that channel lists any channel', async () => {
        const superApp = await startTestApp(database, { EXHAUST_JWKS_URL: jwks.url, EXHAUST_JWT_ISSUER: ISSUER, EXHAUST_JWT_AUDIENCE: AUDIENCE, EXHAUST_SUPER_ADMIN_CHANNEL: 'sunbird' });
        try {
          superApp.clock.set(t.clock.now());
          const headers = async (orgChannel: string | undefined) => ({
            'x-authenticated-user-token': await jwks.sign(claims('u-super', ['REPORT_ADMIN'], { slug: 'hq', ...(orgChannel ? { channel: orgChannel } : {}) }), { nowMs: t.clock.now() }),
            'x-channel-id': 'org-two',
          });
          const call = async (orgChannel: string | undefined) => superApp.app.inject({ method: 'GET', url: '/dataset/get/summary-rollup', headers: await headers(orgChannel) });
          assert.equal((await call('sunbird')).statusCode, 200);
          refusedWith(await call('elsewhere'), 403, 'You are not authorized.');
          refusedWith(await call(undefined), 403, 'You are not authorized.');
        } finally {
          await superApp.close();
        }
      });
    });
  });
}

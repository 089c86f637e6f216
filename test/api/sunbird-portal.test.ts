// Details found by calling the service as Sunbird's portal does: its body, its headers, its tags,
// and text no client should send (NUL), on both databases.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminHeaders, allowChannels, channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { insertBatch, insertCollection } from '../helpers/collection-records.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { AUDIENCE, ISSUER, type Jwks, startJwks } from '../helpers/identity.js';

const SUBMIT = '/dataset/v1/request/submit';
const ORG = '0126796199493140480';

for (const dialect of dialects) {
  describe(`as Sunbird's portal calls it (${dialect.name})`, () => {
    let database: TestDatabase;
    let jwks: Jwks;
    let t: TestApp;

    before(async () => {
      database = await dialect.open();
      jwks = await startJwks();
      t = await startTestApp(database, { EXHAUST_JWKS_URL: jwks.url, EXHAUST_JWT_ISSUER: ISSUER, EXHAUST_JWT_AUDIENCE: AUDIENCE });
      await allowChannels(database, ['ch1']);
      await insertCollection(database.db, { id: 'do_1131', channel: ORG });
      await insertBatch(database.db, { id: '0131000245281587206', collection_id: 'do_1131', created_by: 'u-mentor' });
    });
    after(async () => {
      await t.close();
      await jwks.close();
      await database.drop();
    });

    test('no envelope around request, output_format, tag <courseId>_<batchId>, X-Channel-Id = root org id, the gateway\'s bearer beside the user token', async () => {
      const token = await jwks.sign({ sub: 'f:5a587cc1:u-mentor', realm_access: { roles: ['COURSE_MENTOR', 'PUBLIC'] }, rootOrgId: ORG }, { nowMs: t.clock.now() });
      const res = await t.app.inject({
        method: 'POST',
        url: SUBMIT,
        headers: { 'X-Channel-Id': ORG, 'x-authenticated-user-token': token, authorization: 'Bearer gateway-api-key-not-ours' },
        payload: {
          request: {
            tag: 'do_1131_0131000245281587206',
            requestedBy: 'u-mentor',
            dataset: 'progress-exhaust',
            datasetConfig: { batchId: '0131000245281587206' },
            output_format: 'csv',
            encryptionKey: 'p@ss',
          },
        },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().result.tag, `do_1131_0131000245281587206:${ORG}`);
      assert.equal(res.json().result.status, 'SUBMITTED');
      const row = await database.db.selectFrom('job_request').select('output_format').executeTakeFirstOrThrow();
      assert.equal(row.output_format, 'csv');
    });

    test('an output_format the dataset does not support is refused by name', async () => {
      const res = await t.app.inject({ method: 'POST', url: SUBMIT, headers: channelHeaders('ch1'), payload: { request: { tag: 't', dataset: 'progress-exhaust', datasetConfig: { batchId: 'b' }, output_format: 'xml' } } });
      assert.equal(res.statusCode, 400);
      assert.match(res.json().params.errmsg, /output_format/);
    });

    test('tags of up to 200 characters in the path; longer ones are a 400 naming the tag', async () => {
      const read = (tag: string) => t.app.inject({ method: 'GET', url: `/dataset/v1/request/read/${tag}?requestId=R1`, headers: channelHeaders('ch1') });
      const long = await read('t'.repeat(200));
      assert.equal(long.statusCode, 404, long.body);
      assert.equal(long.json().params.errmsg, 'no job available with the given request_id and tag');
      const tooLong = await read('t'.repeat(201));
      assert.equal(tooLong.statusCode, 400);
      assert.match(tooLong.json().params.errmsg, /tag/);
      const list = await t.app.inject({ method: 'GET', url: `/dataset/v1/request/list/${'t'.repeat(200)}`, headers: channelHeaders('ch1') });
      assert.equal(list.statusCode, 200, list.body);
    });

    describe('a NUL character anywhere is a 400 naming the field, never a 500', () => {
      const cases: [string, () => Promise<{ statusCode: number; json(): { params: { errmsg: string } } }>, string][] = [
        ['submit tag', () => t.app.inject({ method: 'POST', url: SUBMIT, headers: channelHeaders('ch1'), payload: { request: { tag: 'a\u0000b', dataset: 'progress-exhaust', datasetConfig: { batchId: 'b' } } } }), 'request.tag'],
        ['submit requestedBy', () => t.app.inject({ method: 'POST', url: SUBMIT, headers: channelHeaders('ch1'), payload: { request: { tag: 't', dataset: 'progress-exhaust', requestedBy: 'x\u0000', datasetConfig: { batchId: 'b' } } } }), 'request.requestedBy'],
        ['nested in datasetConfig', () => t.app.inject({ method: 'POST', url: SUBMIT, headers: channelHeaders('ch1'), payload: { request: { tag: 't', dataset: 'progress-exhaust', datasetConfig: { batchFilter: ['b', 'c\u0000'] } } } }), 'request.datasetConfig.batchFilter[1]'],
        ['read requestId', () => t.app.inject({ method: 'GET', url: '/dataset/v1/request/read/t?requestId=R%00', headers: channelHeaders('ch1') }), 'requestId'],
        ['list tag', () => t.app.inject({ method: 'GET', url: '/dataset/v1/request/list/t%00', headers: channelHeaders('ch1') }), 'tag'],
        ['search filter', () => t.app.inject({ method: 'POST', url: '/dataset/v1/request/search', headers: adminHeaders, payload: { request: { filters: { requestedBy: 'u\u0000' } } } }), 'request.filters.requestedBy'],
        ['dataset add', () => t.app.inject({ method: 'POST', url: '/dataset/v1/add', headers: adminHeaders, payload: { request: { dataset: 'x\u0000', datasetType: 't', version: 'v1', visibility: 'private', authorizedRoles: ['ORG_ADMIN'] } } }), 'request.dataset'],
      ];
      for (const [name, call, field] of cases) {
        test(name, async () => {
          const res = await call();
          assert.equal(res.statusCode, 400, JSON.stringify(res.json()));
          // The NUL guard refuses it, in its own words, before any schema sees it: body and URL alike.
          assert.match(res.json().params.errmsg, new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')} must not contain a NUL character`));
        });
      }
    });
  });
}

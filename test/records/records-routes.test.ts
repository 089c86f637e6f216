import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { adminHeaders, startTestApp, type TestApp } from '../helpers/app.js';

const jsonl = (...records: unknown[]) => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
const ndjson = { ...adminHeaders, 'content-type': 'application/x-ndjson' };

for (const dialect of dialects) {
  describe(`POST /v1/records/:entity (${dialect.name})`, () => {
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

    test('imports the body and answers with the entity and row count', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/records/users',
        headers: ndjson,
        payload: jsonl({ id: 'u1', firstName: 'Asha', rootOrgId: 'org1' }, { id: 'u2' }),
      });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.id, 'data-exhaust.records.import');
      assert.equal(body.responseCode, 'OK');
      assert.deepEqual(body.result, { entity: 'users', rows: 2 });
      const rows = await database.db.selectFrom('record_user').select(['id', 'first_name', 'root_org_id']).orderBy('id').execute();
      assert.deepEqual(rows, [{ id: 'u1', first_name: 'Asha', root_org_id: 'org1' }, { id: 'u2', first_name: null, root_org_id: null }]);
    });

    test('a slow upload does not hold the database: the API answers meanwhile', async () => {
      const body = new Readable({ read() {} });
      body.push(jsonl({ id: 'slow-1' }));
      const upload = t.app.inject({ method: 'POST', url: '/v1/records/users', headers: ndjson, payload: body });
      // The upload is still open; before spooling, its transaction held the only SQLite connection.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const health = await t.app.inject({ method: 'GET', url: '/health' });
      assert.equal(health.statusCode, 200);
      body.push(jsonl({ id: 'slow-2' }));
      body.push(null);
      const res = await upload;
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().result, { entity: 'users', rows: 2 });
    });

    test('streams bodies larger than the 1 MiB JSON limit', async () => {
      const lines = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ id: `big-${i}`, schoolName: 'A school with a long enough name' }));
      const payload = lines.join('\n') + '\n';
      assert.ok(payload.length > 1024 * 1024);
      // A stream body, as a client uploading a file sends it (chunked, no Content-Length).
      const res = await t.app.inject({ method: 'POST', url: '/v1/records/users', headers: { ...ndjson, 'content-type': 'application/jsonl' }, payload: Readable.from([payload]) });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().result, { entity: 'users', rows: 20_000 });
      const count = await database.db.selectFrom('record_user').select((eb) => eb.fn.countAll<number>().as('n')).where('id', 'like', 'big-%').executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 20_000);
    });

    test('bad lines → 400 listing them by line number, nothing applied', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/records/consents',
        headers: ndjson,
        payload: jsonl({ userId: 'u1', objectId: 'c1', consumerId: 'org1', status: 'ACTIVE' }, { userId: 'u2', objectId: 'c1', consumerId: 'org1', status: 'maybe' }, 'nope'),
      });
      assert.equal(res.statusCode, 400);
      const body = res.json();
      assert.equal(body.responseCode, 'CLIENT_ERROR');
      assert.equal(body.params.err, 'CLIENT_ERROR');
      assert.match(body.params.errmsg, /^consents\.jsonl: 2 bad lines, nothing imported; line 2: status must be one of ACTIVE, REVOKED; line 3: invalid JSON/);
      assert.deepEqual(await database.db.selectFrom('record_consent').selectAll().execute(), []);
    });

    test('"Yes"/"No" consent flags and consent status in any case', async () => {
      const collections = await t.app.inject({
        method: 'POST', url: '/v1/records/collections', headers: ndjson,
        payload: jsonl({ id: 'yes', userConsent: 'Yes' }, { id: 'no', userConsent: 'no' }),
      });
      assert.equal(collections.statusCode, 200, collections.body);
      const flags = await database.db.selectFrom('record_collection').select(['id', 'user_consent']).orderBy('id').execute();
      assert.deepEqual(flags, [{ id: 'no', user_consent: 0 }, { id: 'yes', user_consent: 1 }]);

      const consents = await t.app.inject({
        method: 'POST', url: '/v1/records/consents', headers: ndjson,
        payload: jsonl({ userId: 'u1', objectId: 'yes', consumerId: 'org1', status: 'Active' }, { userId: 'u2', objectId: 'yes', consumerId: 'org1', status: 'revoked' }),
      });
      assert.equal(consents.statusCode, 200, consents.body);
      const statuses = await database.db.selectFrom('record_consent').select(['user_id', 'status']).orderBy('user_id').execute();
      assert.deepEqual(statuses, [{ user_id: 'u1', status: 'ACTIVE' }, { user_id: 'u2', status: 'REVOKED' }]);
    });

    test('unknown entity → 400 naming the valid ones', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/v1/records/teachers', headers: ndjson, payload: jsonl({ id: 't1' }) });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().params.errmsg, "unknown entity 'teachers'; use one of users, collections, batches, enrolments, attempts, consents");
    });

    test('without the admin token → 403, nothing imported', async () => {
      for (const headers of [{ 'content-type': 'application/x-ndjson' }, { 'content-type': 'application/x-ndjson', authorization: 'Bearer wrong-token-0123456789' }]) {
        const res = await t.app.inject({ method: 'POST', url: '/v1/records/batches', headers, payload: jsonl({ id: 'b-denied', collectionId: 'c1' }) });
        assert.equal(res.statusCode, 403);
        assert.equal(res.json().responseCode, 'FORBIDDEN');
      }
      assert.deepEqual(await database.db.selectFrom('record_batch').selectAll().where('id', '=', 'b-denied').execute(), []);
    });

    test('a body that is not JSON Lines by its Content-Type → 415 naming the accepted types', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/v1/records/batches', headers: { ...adminHeaders, 'content-type': 'application/json' }, payload: jsonl({ id: 'b-json', collectionId: 'c1' }) });
      assert.equal(res.statusCode, 415);
      assert.match(res.json().params.errmsg, /^Content-Type must be application\/x-ndjson/);
      assert.deepEqual(await database.db.selectFrom('record_batch').selectAll().where('id', '=', 'b-json').execute(), []);
    });

    test('an empty body imports nothing', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/v1/records/attempts', headers: ndjson, payload: '' });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().result, { entity: 'attempts', rows: 0 });
    });

    test('other routes keep their JSON parsing and 1 MiB limit', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/dataset/v1/add', headers: { ...adminHeaders, 'content-type': 'application/json' }, payload: 'x'.repeat(1024 * 1024 + 10) });
      assert.equal(res.statusCode, 413);
    });
  });
}

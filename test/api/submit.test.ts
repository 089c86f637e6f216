import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminHeaders, allowChannels, CONSUMER, channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

const SUBMIT = '/dataset/v1/request/submit';
const body = (request: Record<string, unknown>) => ({ id: 'ekstep.analytics.job.request.submit', params: { msgid: 'msg-1' }, request });
const progress = (extra: Record<string, unknown> = {}) =>
  body({ tag: 'test-tag', dataset: 'progress-exhaust', requestedBy: 'user-1', datasetConfig: { batchId: 'batch-1' }, ...extra });

for (const dialect of dialects) {
  describe(`submit (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;
    before(async () => {
      database = await dialect.open();
      await allowChannels(database, ['in.ekstep', 'other']);
      t = await startTestApp(database);
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    const submit = (payload: unknown, channel = 'in.ekstep') =>
      t.app.inject({ method: 'POST', url: SUBMIT, headers: channelHeaders(channel), payload: payload as object });

    test('creates a SUBMITTED request with the contract id and the channel in its tag', async () => {
      const res = await submit(progress());
      assert.equal(res.statusCode, 200);
      const json = res.json();
      assert.equal(json.id, 'ekstep.analytics.job.request.submit');
      assert.equal(json.ver, '1.0');
      assert.equal(json.responseCode, 'OK');
      assert.equal(json.params.status, 'successful');
      assert.equal(json.params.msgid, 'msg-1');
      assert.match(json.params.resmsgid, /^[0-9a-f-]{36}$/);
      assert.match(json.ts, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/);
      const job = json.result;
      // The test clock stands at 2024-01-15T10:00Z: the worked example of DESIGN §3.3.
      assert.equal(job.requestId, 'EBFEBDBBC01A7D65EAF2D03311A09395');
      assert.equal(job.tag, 'test-tag:in.ekstep');
      assert.equal(job.status, 'SUBMITTED');
      assert.equal(job.dataset, 'progress-exhaust');
      assert.equal(job.requestedBy, 'user-1');
      assert.equal(job.requestedChannel, 'in.ekstep');
      assert.deepEqual(job.datasetConfig, { batchId: 'batch-1' });
      assert.equal(job.attempts, 0);
      assert.deepEqual(job.downloadUrls, []);
      assert.equal(job.expiresAt, 0);
      assert.equal(job.jobStats.dtJobSubmitted, t.clock.now());
      assert.equal(job.lastUpdated, t.clock.now());
      assert.equal(job.statusMessage, undefined);
    });

    test('200 identical submits at once leave one row and answer alike', async () => {
      const payload = progress({ tag: 'race', requestedBy: 'racer' });
      const responses = await Promise.all(Array.from({ length: 200 }, () => submit(payload)));
      const ids = new Set(responses.map((r) => {
        assert.equal(r.statusCode, 200, r.body);
        return r.json().result.requestId;
      }));
      assert.equal(ids.size, 1);
      const rows = await database.db.selectFrom('job_request').selectAll().where('tag', '=', 'race:in.ekstep').execute();
      assert.equal(rows.length, 1);
    });

    test('a repeat of a live request returns it unchanged', async () => {
      const first = (await submit(progress({ tag: 'repeat' }))).json().result;
      t.clock.advance(60_000);
      const again = (await submit(progress({ tag: 'repeat', datasetConfig: { batchId: 'other-batch' } }))).json().result;
      assert.equal(again.requestId, first.requestId);
      assert.deepEqual(again.datasetConfig, { batchId: 'batch-1' });
      assert.equal(again.jobStats.dtJobSubmitted, first.jobStats.dtJobSubmitted);
    });

    test('a FAILED request resubmitted goes back to SUBMITTED with completion fields cleared', async () => {
      const first = (await submit(progress({ tag: 'failed-once', encryptionKey: 'old-key' }))).json().result;
      await database.db
        .updateTable('job_request')
        .set({ status: 'FAILED', err_message: 'No data found', dt_job_completed: t.clock.now(), execution_time: 12, iteration: 3, submission_attempts: 3, download_urls: '["x.zip"]', encryption_key: null })
        .where('request_id', '=', first.requestId)
        .execute();
      t.clock.advance(3_600_000);
      const res = await submit(progress({ tag: 'failed-once', datasetConfig: { batchId: 'batch-2' }, encryptionKey: 'new-key' }));
      const job = res.json().result;
      assert.equal(job.requestId, first.requestId);
      assert.equal(job.status, 'SUBMITTED');
      assert.deepEqual(job.datasetConfig, { batchId: 'batch-2' });
      assert.equal(job.attempts, 3, 'attempts keeps counting every attempt ever made');
      assert.equal(job.jobStats.dtJobSubmitted, t.clock.now());
      assert.equal(job.jobStats.dtJobCompleted, undefined);
      assert.equal(job.jobStats.executionTime, undefined);
      assert.equal(job.statusMessage, undefined);
      const row = await database.db.selectFrom('job_request').selectAll().where('request_id', '=', first.requestId).executeTakeFirstOrThrow();
      assert.equal(row.submission_attempts, 0, 'a fresh retry budget');
      assert.equal(row.download_urls, null);
      assert.ok(row.encryption_key, 'the new key is stored');
    });

    test('the encryption key is stored sealed and never returned', async () => {
      const res = await submit(body({ tag: 'secret', dataset: 'userinfo-exhaust', datasetConfig: { batchId: 'b' }, encryptionKey: 'Very$ecretKey-42' }));
      assert.equal(res.statusCode, 200);
      assert.ok(!res.body.includes('Very$ecretKey-42'));
      const row = await database.db.selectFrom('job_request').select('encryption_key').where('tag', '=', 'secret:in.ekstep').executeTakeFirstOrThrow();
      assert.ok(row.encryption_key && !row.encryption_key.includes('Very$ecretKey-42'));
      assert.match(row.encryption_key, /^v1:/);
    });

    test('datasetConfig.type enters the request id; extra keys are kept', async () => {
      const plain = (await submit(progress({ tag: 'typed' }))).json().result;
      const typed = (await submit(progress({ tag: 'typed', datasetConfig: { batchId: 'batch-1', type: 'assessment', extra: 1 } }))).json().result;
      assert.notEqual(typed.requestId, plain.requestId);
      assert.deepEqual(typed.datasetConfig, { batchId: 'batch-1', type: 'assessment', extra: 1 });
    });

    test('requestedBy absent counts as ""', async () => {
      const res = await submit(body({ tag: 'anon', dataset: 'progress-exhaust', datasetConfig: { batchId: 'b' } }));
      assert.equal(res.json().result.requestedBy, '');
    });

    test('the same tag in two channels is two requests', async () => {
      const a = (await submit(progress({ tag: 'shared' }), 'in.ekstep')).json().result;
      const b = (await submit(progress({ tag: 'shared' }), 'other')).json().result;
      assert.notEqual(a.requestId, b.requestId);
      assert.equal(b.tag, 'shared:other');
    });

    describe('bad input: 400 naming the field', () => {
      const cases: [string, unknown, RegExp][] = [
        ['missing tag', body({ dataset: 'progress-exhaust', datasetConfig: { batchId: 'b' } }), /^tag is empty$/],
        ['empty tag', progress({ tag: '' }), /^tag is empty$/],
        ['missing dataset', body({ tag: 't', datasetConfig: { batchId: 'b' } }), /^dataset is empty$/],
        ['missing datasetConfig', body({ tag: 't', dataset: 'progress-exhaust' }), /^datasetConfig is empty$/],
        ['empty datasetConfig', progress({ datasetConfig: {} }), /^datasetConfig is empty$/],
        ['unknown dataset', progress({ dataset: 'nope' }), /dataset 'nope' is not an on-demand dataset; valid datasets: progress-exhaust, response-exhaust, userinfo-exhaust/],
        ['tag with a slash', progress({ tag: '../etc' }), /request\.tag must contain only/],
        ['tag too long', progress({ tag: 'x'.repeat(201) }), /request\.tag must be at most 200 characters/],
        ['tag not a string', progress({ tag: 42 }), /request\.tag must be a string/],
        ['datasetConfig not an object', progress({ datasetConfig: 'b1' }), /request\.datasetConfig must be an object/],
        ['no batch in config', progress({ datasetConfig: { foo: 1 } }), /datasetConfig must have one of: batchId, batchFilter/],
        ['batchFilter empty', progress({ datasetConfig: { batchFilter: [] } }), /datasetConfig\.batchFilter must have at least 1 item/],
        ['batchFilter of 21', progress({ datasetConfig: { batchFilter: Array.from({ length: 21 }, (_, i) => `b${i}`) } }), /datasetConfig\.batchFilter must have at most 20 items/],
        ['batch id unsafe', progress({ datasetConfig: { batchId: 'a/b' } }), /datasetConfig\.batchId must contain only/],
        ['requestedBy too long', progress({ requestedBy: 'u'.repeat(101) }), /request\.requestedBy must be at most 100 characters/],
        ['encryptionKey too long', progress({ encryptionKey: 'k'.repeat(129) }), /request\.encryptionKey must be at most 128 characters/],
        ['encryptionKey empty', progress({ encryptionKey: '' }), /request\.encryptionKey is empty/],
        ['userinfo without a key', body({ tag: 't', dataset: 'userinfo-exhaust', datasetConfig: { batchId: 'b' } }), /encryptionKey is required for userinfo-exhaust/],
        ['unsupported format', progress({ outputFormat: 'json' }), /outputFormat 'json' is not supported by progress-exhaust; supported: csv/],
        ['unknown format', progress({ outputFormat: 'xml' }), /request\.outputFormat must be/],
        ['no request object', { params: {} }, /request is required/],
        ['body an array', [1, 2], /body must be an object/],
      ];
      for (const [name, payload, message] of cases) {
        test(name, async () => {
          const res = await submit(payload);
          assert.equal(res.statusCode, 400, res.body);
          const json = res.json();
          assert.equal(json.responseCode, 'CLIENT_ERROR');
          assert.equal(json.params.status, 'failed');
          assert.equal(json.params.err, 'CLIENT_ERROR');
          assert.match(json.params.errmsg, message);
          assert.equal(json.id, 'ekstep.analytics.job.request.submit');
        });
      }

      test('malformed JSON', async () => {
        const res = await t.app.inject({ method: 'POST', url: SUBMIT, headers: { ...channelHeaders('in.ekstep'), 'content-type': 'application/json' }, payload: '{"request": {' });
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().params.errmsg, 'body is not valid JSON');
      });

      test('empty body', async () => {
        const res = await t.app.inject({ method: 'POST', url: SUBMIT, headers: { ...channelHeaders('in.ekstep'), 'content-type': 'application/json' }, payload: '' });
        assert.equal(res.statusCode, 400);
        assert.match(res.json().params.errmsg, /body is empty/);
      });

      test('a body over 1 MiB is a 413 envelope', async () => {
        const res = await submit(progress({ datasetConfig: { batchId: 'b', pad: 'x'.repeat(1024 * 1024) } }));
        assert.equal(res.statusCode, 413);
        assert.equal(res.json().responseCode, 'CLIENT_ERROR');
      });

      test('wrong content type', async () => {
        const res = await t.app.inject({ method: 'POST', url: SUBMIT, headers: { ...channelHeaders('in.ekstep'), 'content-type': 'text/xml' }, payload: '<a/>' });
        assert.equal(res.statusCode, 415);
        assert.equal(res.json().responseCode, 'CLIENT_ERROR');
      });

      test('nothing was written by the refused submits', async () => {
        const rows = await database.db.selectFrom('job_request').select('tag').where('tag', 'in', ['t:in.ekstep', '../etc:in.ekstep']).execute();
        assert.equal(rows.length, 0);
      });
    });

    describe('authorization comes first', () => {
      test('no X-Channel-ID, or an empty one: 403, as Sunbird answers, even with a bad body', async () => {
        for (const headers of [{}, { 'x-channel-id': '' }, { 'x-channel-id': '  ', 'x-consumer-id': CONSUMER }]) {
          for (const payload of [progress(), { request: {} }]) {
            const res = await t.app.inject({ method: 'POST', url: SUBMIT, headers, payload });
            assert.equal(res.statusCode, 403);
            assert.equal(res.json().responseCode, 'FORBIDDEN');
            assert.equal(res.json().params.errmsg, 'X-Channel-ID is missing in request header');
          }
        }
      });
      test('consumer not mapped to the channel — even with a bad body', async () => {
        const res = await t.app.inject({ method: 'POST', url: SUBMIT, headers: channelHeaders('in.ekstep', 'stranger'), payload: { request: {} } });
        assert.equal(res.statusCode, 403);
        assert.equal(res.json().responseCode, 'FORBIDDEN');
        assert.equal(res.json().params.errmsg, "Given X-Consumer-ID='stranger' and X-Channel-ID='in.ekstep' are not authorized");
      });
      test('a channel with a colon is refused (it would blur the tag:channel key)', async () => {
        const res = await t.app.inject({ method: 'POST', url: SUBMIT, headers: channelHeaders('a:b'), payload: progress() });
        assert.equal(res.statusCode, 400);
        assert.match(res.json().params.errmsg, /X-Channel-ID must be/);
      });
      test('the admin token is no channel authorization', async () => {
        const res = await t.app.inject({ method: 'POST', url: SUBMIT, headers: { ...adminHeaders, 'x-channel-id': 'in.ekstep' }, payload: progress() });
        assert.equal(res.statusCode, 403);
      });
    });
  });
}

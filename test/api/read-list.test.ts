import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { allowChannels, channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

for (const dialect of dialects) {
  describe(`read and list (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;
    const ids: string[] = [];

    before(async () => {
      database = await dialect.open();
      await allowChannels(database, ['chan-a', 'chan-b']);
      t = await startTestApp(database);
      // Five requests of tag "batch-7" in chan-a, a minute apart (newest last).
      for (let i = 0; i < 5; i++) {
        t.clock.advance(60_000);
        const res = await submit('chan-a', 'batch-7', `user-${i}`);
        ids.push(res.json().result.requestId);
      }
      await submit('chan-a', 'another-tag', 'user-0');
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    const submit = (channel: string, tag: string, requestedBy: string) =>
      t.app.inject({
        method: 'POST',
        url: '/dataset/v1/request/submit',
        headers: channelHeaders(channel),
        payload: { request: { tag, dataset: 'progress-exhaust', requestedBy, datasetConfig: { batchId: 'b-7' } } },
      });
    const get = (url: string, channel = 'chan-a') => t.app.inject({ method: 'GET', url, headers: channelHeaders(channel) });

    describe('read', () => {
      test('returns the request', async () => {
        const res = await get(`/dataset/v1/request/read/batch-7?requestId=${ids[2]}`);
        assert.equal(res.statusCode, 200);
        const json = res.json();
        assert.equal(json.id, 'ekstep.analytics.job.request.info');
        assert.equal(json.result.requestId, ids[2]);
        assert.equal(json.result.requestedBy, 'user-2');
        assert.equal(json.result.tag, 'batch-7:chan-a');
      });
      test('unknown request id → 404', async () => {
        const res = await get('/dataset/v1/request/read/batch-7?requestId=0123456789ABCDEF0123456789ABCDEF');
        assert.equal(res.statusCode, 404);
        assert.equal(res.json().responseCode, 'RESOURCE_NOT_FOUND');
        assert.equal(res.json().params.errmsg, 'no job available with the given request_id and tag');
      });
      test('another tag → 404', async () => {
        const res = await get(`/dataset/v1/request/read/another-tag?requestId=${ids[0]}`);
        assert.equal(res.statusCode, 404);
      });
      test('another channel never sees it, even with the same tag', async () => {
        await submit('chan-b', 'batch-7', 'user-b');
        const res = await get(`/dataset/v1/request/read/batch-7?requestId=${ids[0]}`, 'chan-b');
        assert.equal(res.statusCode, 404);
        const list = (await get('/dataset/v1/request/list/batch-7', 'chan-b')).json().result;
        assert.equal(list.count, 1);
        assert.equal(list.jobs[0].requestedBy, 'user-b');
      });
      test('without requestId → 400 naming it', async () => {
        const res = await get('/dataset/v1/request/read/batch-7');
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().params.errmsg, 'requestId is required');
      });
      test('a tag with forbidden characters → 400', async () => {
        const res = await get(`/dataset/v1/request/read/bad%20tag?requestId=${ids[0]}`);
        assert.equal(res.statusCode, 400);
        assert.match(res.json().params.errmsg, /^tag must contain only/);
      });
      test('consumer not mapped → 403', async () => {
        const res = await t.app.inject({ method: 'GET', url: `/dataset/v1/request/read/batch-7?requestId=${ids[0]}`, headers: channelHeaders('chan-a', 'nobody') });
        assert.equal(res.statusCode, 403);
      });
    });

    describe('list', () => {
      test('newest first with the total count', async () => {
        const res = await get('/dataset/v1/request/list/batch-7');
        assert.equal(res.statusCode, 200);
        const json = res.json();
        assert.equal(json.id, 'ekstep.analytics.job.request.list');
        assert.equal(json.result.count, 5);
        assert.deepEqual(json.result.jobs.map((j: { requestId: string }) => j.requestId), [...ids].reverse());
      });
      test('limit and offset page; count stays the total', async () => {
        const res = await get('/dataset/v1/request/list/batch-7?limit=2&offset=1');
        const { count, jobs } = res.json().result;
        assert.equal(count, 5);
        assert.deepEqual(jobs.map((j: { requestId: string }) => j.requestId), [ids[3], ids[2]]);
      });
      test('status filters', async () => {
        await database.db.updateTable('job_request').set({ status: 'FAILED' }).where('request_id', '=', ids[1]!).execute();
        const failed = (await get('/dataset/v1/request/list/batch-7?status=FAILED')).json().result;
        assert.equal(failed.count, 1);
        assert.equal(failed.jobs[0].requestId, ids[1]);
        const submitted = (await get('/dataset/v1/request/list/batch-7?status=SUBMITTED')).json().result;
        assert.equal(submitted.count, 4);
      });
      test('a page past the end is empty and still counts the total', async () => {
        const res = await get('/dataset/v1/request/list/batch-7?limit=2&offset=5');
        assert.deepEqual(res.json().result, { count: 5, jobs: [] });
      });
      test('a page inside the list carries the total and every field of a job', async () => {
        const res = await get('/dataset/v1/request/list/batch-7?limit=1&offset=1');
        const { count, jobs } = res.json().result;
        assert.equal(count, 5);
        assert.equal(jobs.length, 1);
        assert.deepEqual(Object.keys(jobs[0]).sort(), ['attempts', 'datasetConfig', 'dataset', 'downloadUrls', 'expiresAt', 'jobStats', 'lastUpdated', 'progress', 'requestId', 'requestedBy', 'requestedChannel', 'status', 'tag'].sort());
      });
      test('an unknown tag is an empty list', async () => {
        const res = await get('/dataset/v1/request/list/nothing-here');
        assert.deepEqual(res.json().result, { count: 0, jobs: [] });
      });
      const bad: [string, RegExp][] = [
        ['limit=0', /^limit must be ≥ 1$/],
        ['limit=1001', /^limit must be ≤ 1000$/],
        ['limit=abc', /^limit must be an integer$/],
        ['limit=1.5', /^limit must be an integer$/],
        ['offset=-1', /^offset must be ≥ 0$/],
        ['status=DONE', /^status must be one of SUBMITTED, PROCESSING, SUCCESS, FAILED, CANCELLED, EXPIRED$/],
      ];
      for (const [query, message] of bad) {
        test(`${query} → 400`, async () => {
          const res = await get(`/dataset/v1/request/list/batch-7?${query}`);
          assert.equal(res.statusCode, 400, res.body);
          assert.match(res.json().params.errmsg, message);
        });
      }
    });
  });
}

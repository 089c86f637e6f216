import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminHeaders, allowChannels, channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

for (const dialect of dialects) {
  describe(`admin routes (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;

    before(async () => {
      database = await dialect.open();
      await allowChannels(database, ['chan-a', 'chan-b']);
      t = await startTestApp(database);
      const submit = (channel: string, tag: string, dataset: string, requestedBy: string) =>
        t.app.inject({
          method: 'POST',
          url: '/dataset/v1/request/submit',
          headers: channelHeaders(channel),
          payload: { request: { tag, dataset, requestedBy, encryptionKey: 'k', datasetConfig: { batchId: 'b' } } },
        });
      t.clock.set('2024-03-01T09:00:00Z');
      await submit('chan-a', 't1', 'progress-exhaust', 'alice');
      await submit('chan-a', 't2', 'response-exhaust', 'alice');
      t.clock.set('2024-03-02T09:00:00Z');
      await submit('chan-b', 't1', 'progress-exhaust', 'bob');
      await submit('chan-b', 't3', 'userinfo-exhaust', 'bob');
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    const search = (request: unknown, headers: Record<string, string> = adminHeaders) =>
      t.app.inject({ method: 'POST', url: '/dataset/v1/request/search', headers, payload: { request } });

    describe('search', () => {
      test('by channel, newest first, count is the total', async () => {
        const res = await search({ filters: { channel: 'chan-b' } });
        assert.equal(res.statusCode, 200);
        const json = res.json();
        assert.equal(json.id, 'ekstep.analytics.job.request.search');
        assert.equal(json.result.count, 2);
        assert.deepEqual(json.result.jobs.map((j: { requestedBy: string }) => j.requestedBy), ['bob', 'bob']);
      });
      test('by dataset across channels', async () => {
        const { result } = (await search({ filters: { dataset: 'progress-exhaust' } })).json();
        assert.equal(result.count, 2);
        assert.deepEqual(result.jobs.map((j: { requestedChannel: string }) => j.requestedChannel), ['chan-b', 'chan-a']);
      });
      test('by requested date, status and requester together', async () => {
        const { result } = (await search({ filters: { requestedDate: '2024-03-01', status: 'SUBMITTED', requestedBy: 'alice' } })).json();
        assert.equal(result.count, 2);
        const none = (await search({ filters: { requestedDate: '2024-03-03' } })).json().result;
        assert.equal(none.count, 0);
      });
      test('limit and offset', async () => {
        const { result } = (await search({ filters: { status: 'SUBMITTED' }, limit: 1, offset: 1 })).json();
        assert.equal(result.count, 4);
        assert.equal(result.jobs.length, 1);
      });
      test('no filters → Filters are empty', async () => {
        for (const request of [{}, { filters: {} }]) {
          const res = await search(request);
          assert.equal(res.statusCode, 400);
          assert.equal(res.json().params.errmsg, 'Filters are empty');
        }
      });
      test('only unknown filters → Unsupported filters', async () => {
        const res = await search({ filters: { colour: 'blue' } });
        assert.equal(res.statusCode, 400);
        assert.match(res.json().params.errmsg, /^Unsupported filters/);
      });
      test('bad filter values name the field', async () => {
        assert.match((await search({ filters: { requestedDate: '2024-13-01' } })).json().params.errmsg, /filters\.requestedDate/);
        assert.match((await search({ filters: { status: 'NOPE' } })).json().params.errmsg, /request\.filters\.status must be one of/);
        assert.match((await search({ filters: { channel: 'x' }, limit: 5000 })).json().params.errmsg, /request\.limit must be ≤ 1000/);
      });
      test('refused without the admin token, or with a wrong one', async () => {
        const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token-wrong-token' }, channelHeaders('chan-a')];
      for (const headers of attempts) {
          const res = await search({ filters: { channel: 'chan-a' } }, headers);
          assert.equal(res.statusCode, 403);
          assert.equal(res.json().responseCode, 'FORBIDDEN');
        }
      });
    });

    describe('dataset registry', () => {
      const add = (request: unknown, headers: Record<string, string> = adminHeaders) =>
        t.app.inject({ method: 'POST', url: '/dataset/v1/add', headers, payload: { request } });
      const list = (headers: Record<string, string> = adminHeaders) => t.app.inject({ method: 'GET', url: '/dataset/v1/list', headers });

      test('the three collection datasets are registered out of the box', async () => {
        const res = await list();
        assert.equal(res.statusCode, 200);
        const json = res.json();
        assert.equal(json.id, 'ekstep.analytics.dataset.list');
        const byId = Object.fromEntries(json.result.datasets.map((d: { dataset: string }) => [d.dataset, d]));
        assert.deepEqual(Object.keys(byId).sort(), ['progress-exhaust', 'response-exhaust', 'userinfo-exhaust']);
        assert.deepEqual(byId['userinfo-exhaust'].authorizedRoles, ['ORG_ADMIN', 'REPORT_ADMIN', 'COURSE_MENTOR']);
        assert.equal(byId['userinfo-exhaust'].datasetConfig.encryptionKeyRequired, true);
        assert.equal(byId['progress-exhaust'].datasetConfig.encryptionKeyRequired, false);
        assert.deepEqual(byId['progress-exhaust'].validationJson.properties.batchFilter.maxItems, 20);
      });
      test('add registers a dataset and list shows it', async () => {
        const res = await add({ dataset: 'summary-rollup', datasetType: 'standard', version: 'v1', visibility: 'private', authorizedRoles: ['ORG_ADMIN'], exhaustType: 'Standard' });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().id, 'ekstep.analytics.dataset.add');
        assert.deepEqual(res.json().result, { message: 'Dataset summary-rollup added successfully' });
        const found = (await list()).json().result.datasets.find((d: { dataset: string }) => d.dataset === 'summary-rollup');
        assert.deepEqual(found.authorizedRoles, ['ORG_ADMIN']);
        assert.equal((await list()).json().result.count, 4);
      });
      test('a registered dataset the service cannot build is refused at submit', async () => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/dataset/v1/request/submit',
          headers: channelHeaders('chan-a'),
          payload: { request: { tag: 'x', dataset: 'summary-rollup', datasetConfig: { batchId: 'b' } } },
        });
        assert.equal(res.statusCode, 400);
        assert.match(res.json().params.errmsg, /dataset 'summary-rollup' is not an on-demand dataset/);
      });
      test('changing a dataset\'s validation takes effect at submit', async () => {
        const res = await add({
          dataset: 'response-exhaust', datasetType: 'on-demand exhaust', version: 'v2', visibility: 'private', authorizedRoles: ['ORG_ADMIN'],
          datasetConfig: { reportKey: 'response', encryptionKeyRequired: true },
          validationJson: { type: 'object', required: ['batchId'], properties: { batchId: { type: 'string', maxLength: 10 } } },
        });
        assert.equal(res.statusCode, 200, res.body);
        const submit = (datasetConfig: unknown, encryptionKey?: string) =>
          t.app.inject({
            method: 'POST',
            url: '/dataset/v1/request/submit',
            headers: channelHeaders('chan-a'),
            payload: { request: { tag: 'v2', dataset: 'response-exhaust', datasetConfig, ...(encryptionKey ? { encryptionKey } : {}) } },
          });
        assert.match((await submit({ batchId: 'b' })).json().params.errmsg, /encryptionKey is required for response-exhaust/);
        assert.match((await submit({ batchId: 'b'.repeat(11) }, 'k')).json().params.errmsg, /datasetConfig\.batchId must be at most 10 characters/);
        assert.equal((await submit({ batchId: 'b' }, 'k')).statusCode, 200);
      });
      const missing = ['dataset', 'datasetType', 'version', 'visibility', 'authorizedRoles'];
      for (const field of missing) {
        test(`add without ${field} → "${field} is empty"`, async () => {
          const full: Record<string, unknown> = { dataset: 'd1', datasetType: 't', version: 'v1', visibility: 'private', authorizedRoles: ['ORG_ADMIN'] };
          delete full[field];
          const res = await add(full);
          assert.equal(res.statusCode, 400);
          assert.equal(res.json().params.errmsg, `${field} is empty`);
        });
      }
      test('a broken validationJson is refused before it is stored', async () => {
        const res = await add({ dataset: 'd2', datasetType: 't', version: 'v1', visibility: 'private', authorizedRoles: ['A'], validationJson: { type: 'no-such-type' } });
        assert.equal(res.statusCode, 400);
        assert.match(res.json().params.errmsg, /^validationJson is not a valid JSON schema/);
      });
      test('add and list refused without the admin token', async () => {
        assert.equal((await add({ dataset: 'd3' }, {})).statusCode, 403);
        assert.equal((await list({})).statusCode, 403);
      });
    });
  });
}

describe('admin routes with no EXHAUST_ADMIN_TOKEN configured', () => {
  test('are closed to everyone', async () => {
    const database = await dialects[0]!.open();
    const t = await startTestApp(database, { EXHAUST_ADMIN_TOKEN: '' });
    try {
      const res = await t.app.inject({ method: 'GET', url: '/dataset/v1/list', headers: { authorization: 'Bearer ' } });
      assert.equal(res.statusCode, 403);
      assert.equal(t.config.adminToken, undefined);
    } finally {
      await t.close();
      await database.drop();
    }
  });
});

// The audit trail: GET /v1/requests/{requestId}/events (admin) lists, in order, every submit, cancel,
// status change (written by the database with the change itself), link issued and local download;
// never a key or a signed link.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { claimRequest, reapExpiredLeases, STALLED_MESSAGE } from '../../src/requests/request-queue.repository.js';
import { Worker } from '../../src/worker/worker.js';
import { adminHeaders, allowChannels, channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { queueRequest, testBuilders } from '../worker/helpers.js';

const KEY = 'zip-pass-do-not-log-7Q';

for (const dialect of dialects) {
  describe(`request events (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;

    const submit = async (tag: string, channel = 'ch1') => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/dataset/v1/request/submit',
        headers: channelHeaders(channel),
        payload: { request: { tag, dataset: 'progress-exhaust', datasetConfig: { batchId: 'b1' }, requestedBy: 'mentor', encryptionKey: KEY } },
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().result.requestId as string;
    };
    const eventsOf = async (requestId: string, query = '') => {
      const res = await t.app.inject({ method: 'GET', url: `/v1/requests/${requestId}/events${query}`, headers: adminHeaders });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().result as { count: number; events: Array<{ id: number; kind: string; status?: string; previousStatus?: string; actor?: string; message?: string; at: number }> };
    };
    const build = () =>
      new Worker({ ...t.services, builders: testBuilders(async function* () {
        yield { batchId: 'b1', columns: ['n'], rows: (async function* () { yield [[1], [2]]; })() };
      }) }, { progressMs: 60_000, reapMs: 60_000 }).runOnce();

    before(async () => {
      database = await dialect.open();
      t = await startTestApp(database);
      await allowChannels(database, ['ch1']);
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    test('a request\'s life in order: submit, its status changes, links issued, a download, a refused cancel', async () => {
      const requestId = await submit('life');
      assert.equal((await build())?.status, 'SUCCESS');
      const read = await t.app.inject({ method: 'GET', url: `/dataset/v1/request/read/life?requestId=${requestId}`, headers: channelHeaders('ch1') });
      const [link] = read.json().result.downloadUrls as string[];
      const download = await t.app.inject({ method: 'GET', url: new URL(link!).pathname + new URL(link!).search });
      assert.equal(download.statusCode, 200);
      const cancel = await t.app.inject({ method: 'POST', url: `/dataset/v1/request/cancel/life?requestId=${requestId}`, headers: channelHeaders('ch1') });
      assert.equal(cancel.statusCode, 409);

      const { events, count } = await eventsOf(requestId);
      assert.equal(count, events.length);
      assert.deepEqual(
        events.map((e) => [e.kind, e.previousStatus ?? null, e.status ?? null, e.actor ?? null]),
        [
          ['status', null, 'SUBMITTED', null],
          ['submitted', null, 'SUBMITTED', 'consumer:consumer-1'],
          ['status', 'SUBMITTED', 'PROCESSING', null],
          ['status', 'PROCESSING', 'SUCCESS', null],
          ['links-issued', null, 'SUCCESS', 'consumer:consumer-1'],
          ['downloaded', null, null, null],
          ['cancel-requested', null, 'SUCCESS', 'consumer:consumer-1'],
        ],
      );
      assert.deepEqual(events.map((e) => e.id), [...events.map((e) => e.id)].sort((a, b) => a - b), 'in the order appended');
      assert.equal(events[1]!.message, 'a new request');
      assert.match(events[4]!.message!, /^1 link valid until \d{4}-\d\d-\d\dT/);
      assert.match(events[5]!.message!, /^b1_progress_\d{8}\.zip fetched from /);
      assert.equal(events[6]!.message, 'refused: the request is SUCCESS');
      const body = JSON.stringify(events);
      assert.ok(!body.includes(KEY), 'no encryption key');
      assert.ok(!body.includes('signature') && !body.includes('http'), 'no signed link');

      // Paged by id.
      const page = await eventsOf(requestId, `?after=${events[2]!.id}&limit=2`);
      assert.deepEqual(page.events.map((e) => e.id), [events[3]!.id, events[4]!.id]);
    });

    test('a repeated submit and a restart are submits too; a list that signs links records one event per request', async () => {
      const requestId = await submit('again');
      assert.equal(await submit('again'), requestId);
      const cancel = await t.app.inject({ method: 'POST', url: `/dataset/v1/request/cancel/again?requestId=${requestId}`, headers: channelHeaders('ch1') });
      assert.equal(cancel.statusCode, 200);
      assert.equal(await submit('again'), requestId);
      assert.equal((await build())?.status, 'SUCCESS');
      const list = await t.app.inject({ method: 'GET', url: '/dataset/v1/request/list/again', headers: channelHeaders('ch1') });
      assert.equal(list.json().result.jobs[0].downloadUrls.length, 1);
      const { events } = await eventsOf(requestId);
      const submits = events.filter((e) => e.kind === 'submitted').map((e) => e.message);
      assert.deepEqual(submits, ['a new request', 'the same request again: answered as it stands (SUBMITTED)', 'restarted: it was CANCELLED']);
      assert.deepEqual(
        events.filter((e) => e.kind === 'status').map((e) => e.status),
        ['SUBMITTED', 'CANCELLED', 'SUBMITTED', 'PROCESSING', 'SUCCESS'],
      );
      assert.equal(events.filter((e) => e.kind === 'cancel-requested')[0]!.message, 'cancelled (it was SUBMITTED)');
      assert.equal(events.filter((e) => e.kind === 'links-issued').length, 1);
    });

    test('a reap of many leases in one statement leaves an event for each request', async () => {
      const now = t.clock.now();
      for (const requestId of ['reap-1', 'reap-2']) {
        await queueRequest(database, t.services.keys.storedKeys, now, { requestId, tag: `${requestId}:ch1` });
        assert.ok(await claimRequest(database, `owner-${requestId}`, now, 1000));
      }
      assert.deepEqual(await reapExpiredLeases(database.db, now + 5000, 5), { retried: 2, failed: 0 });
      for (const requestId of ['reap-1', 'reap-2']) {
        const last = (await eventsOf(requestId)).events.at(-1)!;
        assert.deepEqual([last.previousStatus, last.status, last.message, last.at], ['PROCESSING', 'SUBMITTED', STALLED_MESSAGE, now + 5000]);
      }
    });

    test('admin only; an unknown request is a 404; a bad page is a 400 naming the field', async () => {
      const requestId = await submit('guarded');
      const anonymous = await t.app.inject({ method: 'GET', url: `/v1/requests/${requestId}/events`, headers: channelHeaders('ch1') });
      assert.equal(anonymous.statusCode, 403);
      const unknown = await t.app.inject({ method: 'GET', url: '/v1/requests/no-such-request/events', headers: adminHeaders });
      assert.equal(unknown.statusCode, 404);
      const bad = await t.app.inject({ method: 'GET', url: `/v1/requests/${requestId}/events?limit=0`, headers: adminHeaders });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().params.errmsg, /limit/);
    });
  });
}

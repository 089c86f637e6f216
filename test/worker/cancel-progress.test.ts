// A request's progress while it is built, and cancelling it: at once when SUBMITTED, within a
// checkpoint when PROCESSING (the build stops, its files are deleted, the key erased).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { Worker } from '../../src/worker/worker.js';
import { allowChannels, channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { filesUnder } from '../helpers/files.js';
import { gate, type ReportsFn, rowOf, testBuilders } from './helpers.js';

for (const dialect of dialects) {
  describe(`progress and cancel (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;
    const workers: Worker[] = [];
    const workerWith = (reports: ReportsFn) => {
      const worker = new Worker({ ...t.services, builders: testBuilders(reports) }, { reapMs: 60_000, progressMs: 20 });
      workers.push(worker);
      return worker;
    };
    const submit = async (tag: string, batchFilter: string[]) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/dataset/v1/request/submit',
        headers: channelHeaders('ch1'),
        payload: { request: { tag, dataset: 'progress-exhaust', datasetConfig: { batchFilter }, requestedBy: 'mentor', encryptionKey: 'zip-pass' } },
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().result.requestId as string;
    };
    const read = async (tag: string, requestId: string) => (await t.app.inject({ method: 'GET', url: `/dataset/v1/request/read/${tag}?requestId=${requestId}`, headers: channelHeaders('ch1') })).json().result;
    const cancel = (tag: string, requestId: string, channel = 'ch1') =>
      t.app.inject({ method: 'POST', url: `/dataset/v1/request/cancel/${tag}?requestId=${requestId}`, headers: channelHeaders(channel) });
    const filesOf = (requestId: string) => filesUnder(`${t.config.dataDir}/storage`).filter((f) => f.includes(requestId) || f.startsWith('.tmp/'));

    before(async () => {
      database = await dialect.open();
      t = await startTestApp(database);
      await allowChannels(database, ['ch1', 'ch2']);
    });
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((w) => w.stop()));
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    test('a submitted request shows zero progress of its batches; a built one its final counts', async () => {
      const requestId = await submit('p1', ['b1', 'b2', 'b3']);
      assert.deepEqual((await read('p1', requestId)).progress, { batchesDone: 0, batchesTotal: 3, rows: 0 });
      const worker = workerWith(async function* (_ctx, request) {
        for (const batchId of request.datasetConfig.batchFilter as string[]) {
          yield { batchId, columns: ['n'], rows: (async function* () { yield [[1], [2]]; yield [[3]]; })() };
        }
      });
      assert.equal((await worker.runOnce())?.status, 'SUCCESS');
      assert.deepEqual((await read('p1', requestId)).progress, { batchesDone: 3, batchesTotal: 3, rows: 9 });
    });

    test('while PROCESSING, progress is written as it goes; cancel stops the build and deletes its files', async () => {
      const requestId = await submit('p2', ['b1', 'b2']);
      const streaming = gate();
      let chunksAfterCancel = 0;
      let cancelled = false;
      const worker = workerWith(async function* () {
        yield { batchId: 'b1', columns: ['n'], rows: (async function* () { yield [[1], [2]]; })() };
        yield {
          batchId: 'b2',
          columns: ['n'],
          // A long second batch: it streams until the build is stopped.
          rows: (async function* () {
            for (let i = 0; ; i++) {
              if (cancelled) chunksAfterCancel += 1;
              if (i === 5) streaming.arrive();
              yield [[i]];
              await new Promise((resolve) => setTimeout(resolve, 5));
            }
          })(),
        };
      });
      const outcome = worker.runOnce();
      await streaming.reached;
      // A checkpoint or two later the row shows how far the build has come.
      let progress = (await read('p2', requestId)).progress;
      for (let tries = 0; progress.batchesDone < 1 && tries < 200; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        progress = (await read('p2', requestId)).progress;
      }
      assert.equal((await read('p2', requestId)).status, 'PROCESSING');
      assert.equal(progress.batchesDone, 1);
      assert.equal(progress.batchesTotal, 2);
      assert.ok(progress.rows >= 2, JSON.stringify(progress));
      assert.ok(filesOf(requestId).some((f) => f.endsWith('b1_progress_20240115.zip')), 'the first batch was stored');

      const res = await cancel('p2', requestId);
      cancelled = true;
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().result.status, 'CANCELLED');
      assert.equal((await outcome)?.status, 'CANCELLED');
      assert.ok(chunksAfterCancel < 100, `the build went on for ${chunksAfterCancel} chunks`);
      assert.deepEqual(filesOf(requestId), [], 'no artefact, no temporary file left');
      const row = await rowOf(database, requestId);
      assert.deepEqual([row.status, row.encryption_key, row.lease_owner], ['CANCELLED', null, null]);
      assert.match(row.err_message!, /Cancelled at the requester's ask/);
    });

    test('a SUBMITTED request is cancelled at once; no worker claims it; submitting again starts afresh', async () => {
      const requestId = await submit('p3', ['b1']);
      const res = await cancel('p3', requestId);
      assert.equal(res.statusCode, 200);
      assert.deepEqual([res.json().result.status, res.json().result.downloadUrls], ['CANCELLED', []]);
      assert.equal((await rowOf(database, requestId)).encryption_key, null, 'the key is erased');
      const worker = workerWith(async function* () {
        yield { batchId: 'b1', columns: ['n'], rows: (async function* () { yield [[1]]; })() };
      });
      assert.equal(await worker.runOnce(), undefined, 'nothing to claim');
      assert.equal(await submit('p3', ['b1']), requestId);
      assert.equal((await read('p3', requestId)).status, 'SUBMITTED');
      assert.equal((await worker.runOnce())?.status, 'SUCCESS');
    });

    test('a final request is a 409 naming its status; an unknown one, or another channel\'s, a 404', async () => {
      const requestId = await submit('p4', ['b1']);
      assert.equal((await cancel('p4', requestId)).statusCode, 200);
      const again = await cancel('p4', requestId);
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().responseCode, 'CONFLICT');
      assert.equal(again.json().params.errmsg, 'the request is CANCELLED: only a SUBMITTED or PROCESSING request can be cancelled');
      assert.equal((await cancel('p4', 'NO-SUCH-REQUEST')).statusCode, 404);
      const other = await submit('p5', ['b1']);
      assert.equal((await cancel('p5', other, 'ch2')).statusCode, 404);
      assert.equal((await cancel('p5', other)).statusCode, 200);
    });
  });
}

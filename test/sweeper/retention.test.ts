// The sweeper against the contract of issue 13 (items 3 and 4): SUCCESS requests expire after
// EXHAUST_RETENTION_DAYS, FAILED and CANCELLED requests leave nothing in storage, and any number of
// sweepers share the work, each artefact deleted once. Real databases, the injected clock, no sleeps.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { DataError, DataErrorMessage } from '../../src/datasets/dataset.js';
import { RequestStatus } from '../../src/requests/request.js';
import { claimExpiring, claimUnswept, expireRequest, holdSweepClaim, markSwept } from '../../src/requests/retention.repository.js';
import { closeServices, openServices } from '../../src/services.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { expiredMessage, Sweeper, type SweeperOptions, SweeperState } from '../../src/sweeper/sweeper.js';
import { Worker } from '../../src/worker/worker.js';
import { allowChannels, channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { gate, queueRequest, type ReportsFn, rowOf, rowsOf, testBuilders } from '../worker/helpers.js';
import { countingDeletes, endedRequest, type Fixture, keysUnder } from './helpers.js';

const DAY = 24 * 3600_000;
const pathOf = (url: string) => new URL(url).pathname + new URL(url).search;
const nothing = { expiredRequests: 0, sweptRequests: 0, deletedArtefacts: 0, deletedBytes: 0, removedUploads: 0, removedUploadBytes: 0, failedRequests: 0 };

test('statusMessage of an EXPIRED request: the day in EXHAUST_TZ, and the retention in days', () => {
  const at = Date.parse('2024-01-22T20:01:00Z');
  assert.equal(expiredMessage(at, 7, 'UTC'), 'The report was deleted on 2024-01-22 after 7 days (EXHAUST_RETENTION_DAYS); submit it again to rebuild it.');
  assert.equal(expiredMessage(at, 1, 'Asia/Kolkata'), 'The report was deleted on 2024-01-23 after 1 day (EXHAUST_RETENTION_DAYS); submit it again to rebuild it.');
  assert.equal(expiredMessage(at, 0.5, 'UTC'), 'The report was deleted on 2024-01-22 after 0.5 days (EXHAUST_RETENTION_DAYS); submit it again to rebuild it.');
});

for (const dialect of dialects) {
  describe(`sweeper (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;
    let f: Fixture;
    const stoppable: { stop(): Promise<void> }[] = [];
    let seq = 0;
    const nextId = () => `SWEEP${String(++seq).padStart(4, '0')}`;

    const sweeper = (options: SweeperOptions & { store?: BlobStore; retentionDays?: number } = {}) => {
      const { store = t.services.store, retentionDays = t.config.retentionDays, ...rest } = options;
      const s = new Sweeper({ ...t.services, store, config: { ...t.config, retentionDays } }, rest);
      stoppable.push(s);
      return s;
    };
    const worker = (reports: ReportsFn) => {
      const w = new Worker({ ...t.services, builders: testBuilders(reports) }, { progressMs: 60_000, reapMs: 60_000 });
      stoppable.push(w);
      return w;
    };
    const twoBatches: ReportsFn = async function* (_ctx, request) {
      for (const batchId of request.datasetConfig.batchFilter as string[]) yield { batchId, columns: ['Batch Id'], rows: rowsOf([[batchId]]) };
    };
    const submit = (tag: string) =>
      t.app.inject({
        method: 'POST',
        url: '/dataset/v1/request/submit',
        headers: channelHeaders('ch1'),
        payload: { request: { tag, dataset: 'progress-exhaust', datasetConfig: { batchFilter: ['b1', 'b2'] }, requestedBy: 'mentor' } },
      });
    const read = async (tag: string, requestId: string) =>
      (await t.app.inject({ method: 'GET', url: `/dataset/v1/request/read/${tag}?requestId=${requestId}`, headers: channelHeaders('ch1') })).json().result;
    const folder = (requestId: string) => keysUnder(t.services.store, t.config.container, `progress-exhaust/${requestId}/`);

    before(async () => {
      database = await dialect.open();
      // A zone whose date differs from UTC's in the evening: the message's date is EXHAUST_TZ's.
      t = await startTestApp(database, { EXHAUST_TZ: 'Asia/Kolkata' });
      await allowChannels(database, ['ch1']);
      f = { database, store: t.services.store, container: t.config.container, storedKeys: t.services.keys.storedKeys };
    });
    afterEach(async () => {
      await Promise.all(stoppable.splice(0).map((s) => s.stop()));
      await database.db.deleteFrom('job_request').execute();
      for (const key of await keysUnder(t.services.store, t.config.container)) await t.services.store.delete(t.config.container, key);
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    test('a SUCCESS request past its retention is EXPIRED: artefacts deleted, no links, statusMessage says when and why', async () => {
      t.clock.set('2024-01-15T20:00:00Z');
      const submitted = await submit('kept');
      assert.equal(submitted.statusCode, 200, submitted.body);
      const { requestId } = submitted.json().result;
      const built = await worker(twoBatches).runOnce();
      assert.equal(built?.status, 'SUCCESS');
      const keys = built.keys!;
      assert.deepEqual(await folder(requestId), keys);
      let bytes = 0;
      for await (const entry of t.services.store.list(t.config.container, `progress-exhaust/${requestId}/`)) bytes += entry.size;
      const s = sweeper();

      t.clock.advance(7 * DAY - 60_000);
      assert.deepEqual(await s.runOnce(), nothing);
      assert.equal((await read('kept', requestId)).status, 'SUCCESS');
      assert.deepEqual(await folder(requestId), keys);

      t.clock.advance(2 * 60_000);
      assert.deepEqual(await s.runOnce(), { ...nothing, expiredRequests: 1, deletedArtefacts: 2, deletedBytes: bytes });
      assert.deepEqual(await folder(requestId), []);
      const job = await read('kept', requestId);
      assert.equal(job.status, 'EXPIRED');
      assert.deepEqual(job.downloadUrls, []);
      assert.equal(job.expiresAt, 0);
      // 2024-01-22T20:01Z is already the 23rd in Kolkata.
      assert.equal(job.statusMessage, 'The report was deleted on 2024-01-23 after 7 days (EXHAUST_RETENTION_DAYS); submit it again to rebuild it.');
      assert.equal(job.lastUpdated, t.clock.now());
      const list = (await t.app.inject({ method: 'GET', url: '/dataset/v1/request/list/kept', headers: channelHeaders('ch1') })).json().result;
      assert.deepEqual(list.jobs.map((j: any) => [j.status, j.downloadUrls, j.expiresAt]), [['EXPIRED', [], 0]]);
      const row = await rowOf(database, requestId);
      assert.deepEqual([row.download_urls, row.sweep_owner, row.sweep_until], [null, null, null]);

      // Idempotent: nothing more to do, and a round that did nothing logs nothing.
      assert.deepEqual(await s.runOnce(), nothing);
      assert.equal(t.log().split('\n').filter((line) => line.includes('"msg":"swept storage"')).length, 1);
    });

    test('submitting an EXPIRED request again builds it afresh', async () => {
      t.clock.set('2024-01-15T10:00:00Z');
      const { requestId } = (await submit('again')).json().result;
      const w = worker(twoBatches);
      assert.equal((await w.runOnce())?.status, 'SUCCESS');
      // EXHAUST_RETENTION_DAYS=0.0001: 8.64 s.
      t.clock.advance(9_000);
      assert.equal((await sweeper({ retentionDays: 0.0001 }).runOnce()).expiredRequests, 1);
      assert.match((await read('again', requestId)).statusMessage, /after 0\.0001 days \(EXHAUST_RETENTION_DAYS\)/);

      const resubmitted = await submit('again');
      assert.equal(resubmitted.statusCode, 200, resubmitted.body);
      const job = resubmitted.json().result;
      assert.deepEqual([job.requestId, job.status, job.downloadUrls, job.statusMessage], [requestId, 'SUBMITTED', [], undefined]);
      const rebuilt = await w.runOnce();
      assert.equal(rebuilt?.status, 'SUCCESS');
      const links = (await read('again', requestId)).downloadUrls as string[];
      assert.equal(links.length, 2);
      assert.equal((await t.app.inject({ method: 'GET', url: pathOf(links[0]!) })).statusCode, 200);
    });

    test('more requests than a batch: one round claims batch after batch until none is left', async () => {
      const now = t.clock.now();
      const ids = Array.from({ length: 7 }, nextId);
      for (const id of ids) await endedRequest(f, id, RequestStatus.SUCCESS, now - 8 * DAY);
      const result = await sweeper({ batchSize: 3 }).runOnce();
      assert.equal(result.expiredRequests, 7);
      assert.equal(result.deletedArtefacts, 14);
      const statuses = await database.db.selectFrom('job_request').select('status').distinct().execute();
      assert.deepEqual(statuses.map((r) => r.status), ['EXPIRED']);
      assert.deepEqual(await keysUnder(t.services.store, t.config.container), []);
    });

    test('two sweepers of two composition roots at once: each artefact is deleted exactly once', async () => {
      const now = t.clock.now();
      const keys: string[] = [];
      for (let i = 0; i < 30; i++) keys.push(...(await endedRequest(f, nextId(), RequestStatus.SUCCESS, now - 8 * DAY)));
      // A second process: its own connection to the same database, its own store over the same files.
      const other = await openServices(t.config, { logger: t.services.logger, clock: t.clock });
      try {
        const deletedByA: string[] = [];
        const deletedByB: string[] = [];
        const a = sweeper({ store: countingDeletes(t.services.store, deletedByA), batchSize: 4 });
        const b = new Sweeper({ ...other, store: countingDeletes(other.store, deletedByB) }, { batchSize: 4 });
        const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
        assert.deepEqual([...deletedByA, ...deletedByB].sort(), keys.sort());
        assert.equal(ra.expiredRequests + rb.expiredRequests, 30);
        assert.ok(ra.expiredRequests > 0 && rb.expiredRequests > 0, `both sweepers worked: ${ra.expiredRequests} + ${rb.expiredRequests}`);
        assert.deepEqual(await keysUnder(t.services.store, t.config.container), []);
      } finally {
        await closeServices(other);
      }
    });

    test("a dead sweeper's claim is taken again once it runs out; the dead one can write nothing more", async () => {
      const now = t.clock.now();
      const requestId = nextId();
      const keys = await endedRequest(f, requestId, RequestStatus.SUCCESS, now - 8 * DAY);
      // A sweeper claims, then dies before deleting anything.
      const [dead] = await claimExpiring(database, 'dead-sweeper#1', now - 7 * DAY, { now, claimMs: 60_000, limit: 100 });
      assert.equal(dead?.requestId, requestId);
      const s = sweeper();
      assert.deepEqual(await s.runOnce(), nothing);
      assert.deepEqual(await folder(requestId), keys);

      t.clock.advance(60_001);
      assert.equal((await s.runOnce()).expiredRequests, 1);
      assert.deepEqual(await folder(requestId), []);
      assert.equal(await holdSweepClaim(database.db, dead, t.clock.now(), 60_000), false);
      assert.equal(await expireRequest(database.db, dead, t.clock.now(), 'late'), false);
      assert.equal((await rowOf(database, requestId)).err_message?.startsWith('The report was deleted on'), true);
    });

    test('FAILED and CANCELLED requests: their leftovers are removed once; a SUCCESS request within its retention keeps everything', async () => {
      const now = t.clock.now();
      const failed = nextId();
      const cancelled = nextId();
      const succeeded = nextId();
      const justFailed = nextId();
      const leftovers = [
        ...(await endedRequest(f, failed, RequestStatus.FAILED, now - 600_000, ['b1'])),
        ...(await endedRequest(f, cancelled, RequestStatus.CANCELLED, now - 600_000)),
      ];
      const kept = await endedRequest(f, succeeded, RequestStatus.SUCCESS, now - 600_000);
      // Ended within the lease: a writer of that attempt may still be finishing an upload.
      const late = await endedRequest(f, justFailed, RequestStatus.FAILED, now - 30_000, ['b1']);
      const deleted: string[] = [];
      const s = sweeper({ store: countingDeletes(t.services.store, deleted) });

      const first = await s.runOnce();
      assert.deepEqual({ ...first, deletedBytes: 0 }, { ...nothing, sweptRequests: 2, deletedArtefacts: 3 });
      assert.ok(first.deletedBytes > 0);
      assert.deepEqual(deleted.sort(), leftovers.sort());
      assert.deepEqual(await folder(failed), []);
      assert.deepEqual(await folder(cancelled), []);
      assert.deepEqual(await folder(succeeded), kept);
      assert.deepEqual(await folder(justFailed), late);

      assert.deepEqual(await s.runOnce(), nothing);
      t.clock.advance(60_000);
      assert.deepEqual(await s.runOnce(), { ...nothing, sweptRequests: 1, deletedArtefacts: 1, deletedBytes: first.deletedBytes / 3 });
      assert.deepEqual(deleted.length, 4);
      assert.deepEqual(await folder(succeeded), kept);
      // Sweeping changes nothing a client sees: status and lastUpdated stay.
      for (const [id, status] of [[failed, 'FAILED'], [cancelled, 'CANCELLED'], [justFailed, 'FAILED']] as const) {
        const row = await rowOf(database, id);
        assert.deepEqual([row.status, row.swept_as_of, row.sweep_owner], [status, row.last_updated, null]);
      }
    });

    test('a FAILED request submitted again and failing again is swept again', async () => {
      const requestId = nextId();
      const failsAfterOneBatch: ReportsFn = async function* () {
        yield { batchId: 'b1', columns: ['Batch Id'], rows: rowsOf([['b1']]) };
        throw new DataError(DataErrorMessage.noData);
      };
      const w = worker(failsAfterOneBatch);
      const s = sweeper();
      for (let round = 1; round <= 2; round++) {
        await queueRequest(database, t.services.keys.storedKeys, t.clock.now(), { requestId, batchId: 'b1' });
        assert.equal((await w.runOnce())?.status, 'FAILED');
        assert.equal((await folder(requestId)).length, 1, `round ${round}: the attempt left its first batch`);
        assert.equal((await s.runOnce()).sweptRequests, 0, `round ${round}: not within the lease of the attempt`);
        t.clock.advance(60_001);
        const result = await s.runOnce();
        assert.deepEqual([result.sweptRequests, result.deletedArtefacts], [1, 1], `round ${round}`);
        assert.deepEqual(await folder(requestId), []);
      }
    });

    test('a request submitted again while it is being swept is left alone', async () => {
      const now = t.clock.now();
      const requestId = nextId();
      const keys = await endedRequest(f, requestId, RequestStatus.FAILED, now - 600_000, ['b1']);
      const [claim] = await claimUnswept(database, 'slow-sweeper#1', now - 60_000, { now, claimMs: 60_000, limit: 10 });
      assert.equal(claim?.requestId, requestId);
      t.clock.advance(1000);
      await queueRequest(database, t.services.keys.storedKeys, t.clock.now(), { requestId });

      assert.equal(await holdSweepClaim(database.db, claim, t.clock.now(), 60_000), false);
      assert.equal(await markSwept(database.db, claim), false);
      const row = await rowOf(database, requestId);
      assert.deepEqual([row.status, row.swept_as_of], ['SUBMITTED', null]);
      assert.deepEqual(await sweeper().runOnce(), nothing);
      assert.deepEqual(await folder(requestId), keys);
    });

    test('stop() waits for the round in flight, which ends after its current request', async () => {
      const now = t.clock.now();
      for (let i = 0; i < 3; i++) await endedRequest(f, nextId(), RequestStatus.SUCCESS, now - 8 * DAY, ['b1']);
      const blocked = gate();
      const store: BlobStore = {
        ...countingDeletes(t.services.store, []),
        async delete(container, key) {
          blocked.arrive();
          await blocked.wait;
          await t.services.store.delete(container, key);
        },
      };
      const s = sweeper({ store });
      s.start();
      await blocked.reached;
      let stopped = false;
      const stopping = s.stop().then(() => (stopped = true));
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(stopped, false);
      blocked.open();
      await stopping;
      assert.equal(s.state, SweeperState.STOPPED);
      const statuses = (await database.db.selectFrom('job_request').select('status').execute()).map((r) => r.status).sort();
      assert.deepEqual(statuses, ['EXPIRED', 'SUCCESS', 'SUCCESS']);
    });
  });
}

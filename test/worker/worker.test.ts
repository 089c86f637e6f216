import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { DataError } from '../../src/datasets/dataset.js';
import { MAX_ATTEMPTS } from '../../src/requests/request.js';
import { STALLED_MESSAGE } from '../../src/requests/request-queue.repository.js';
import { Worker, type WorkerOptions } from '../../src/worker/worker.js';
import { allowChannels, channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { filesUnder } from '../helpers/files.js';
import { openZip } from '../helpers/zip.js';
import { gate, queueRequest, type ReportsFn, rowOf, rowsOf, testBuilders } from './helpers.js';

const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

for (const dialect of dialects) {
  describe(`worker (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;
    const workers: Worker[] = [];
    let seq = 0;
    const nextId = () => `REQ${String(++seq).padStart(4, '0')}`;

    const workerWith = (reports: ReportsFn, options: WorkerOptions = {}) => {
      const worker = new Worker(
        { ...t.services, builders: testBuilders(reports) },
        { progressMs: 60_000, reapMs: 60_000, ...options },
      );
      workers.push(worker);
      return worker;
    };
    const storageFiles = () => filesUnder(`${t.config.dataDir}/storage`);

    before(async () => {
      database = await dialect.open();
      t = await startTestApp(database);
      await allowChannels(database, ['ch1']);
    });
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((w) => w.stop()));
      // Each test starts with an empty queue: a request left due by one must not be claimed in the next.
      await database.db.deleteFrom('job_request').execute();
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    test('builds a submitted request: SUCCESS with its keys, key erased, and read gives links that download', async () => {
      const submitted = await t.app.inject({
        method: 'POST',
        url: '/dataset/v1/request/submit',
        headers: channelHeaders('ch1'),
        payload: { request: { tag: 'e2e', dataset: 'progress-exhaust', datasetConfig: { batchFilter: ['b1', 'b2'] }, requestedBy: 'mentor', encryptionKey: 'zip-pass' } },
      });
      assert.equal(submitted.statusCode, 200, submitted.body);
      const { requestId } = submitted.json().result;
      const seen: string[] = [];
      const worker = workerWith(async function* (ctx, request) {
        seen.push(`${request.channel}|${request.day}|${JSON.stringify(request.datasetConfig)}|${ctx.timeZone}`);
        t.clock.advance(1234);
        for (const batchId of request.datasetConfig.batchFilter as string[]) {
          yield { batchId, columns: ['Batch Id', 'Name', 'Note'], rows: rowsOf([[`BatchId_${batchId}`, 'Zoë, "Z"', 'two\nlines']]) };
        }
      });

      const outcome = await worker.runOnce();
      const keys = [`progress-exhaust/${requestId}/b1_progress_20240115.zip`, `progress-exhaust/${requestId}/b2_progress_20240115.zip`];
      assert.deepEqual(outcome, { requestId, tag: 'e2e:ch1', status: 'SUCCESS', keys });
      assert.deepEqual(seen, ['ch1|20240115|{"batchFilter":["b1","b2"]}|UTC']);

      const row = await rowOf(database, requestId);
      assert.equal(row.status, 'SUCCESS');
      assert.deepEqual(JSON.parse(row.download_urls!), keys);
      assert.equal(row.execution_time, 1234);
      assert.equal(row.dt_job_completed, t.clock.now());
      assert.equal(row.dt_file_created, t.clock.now());
      assert.equal(row.encryption_key, null);
      assert.equal(row.err_message, null);
      assert.equal(row.lease_owner, null);
      assert.equal(row.lease_expires_at, null);
      assert.equal(row.iteration, 1);
      // Only the artefacts are in storage: no plaintext, nothing half-written.
      assert.deepEqual(storageFiles(), keys.map((k) => `${t.config.container}/${k}`).sort());

      const read = await t.app.inject({ method: 'GET', url: `/dataset/v1/request/read/e2e?requestId=${requestId}`, headers: channelHeaders('ch1') });
      const job = read.json().result;
      assert.equal(job.status, 'SUCCESS');
      assert.equal(job.attempts, 1);
      assert.deepEqual(job.jobStats, { dtJobSubmitted: row.dt_job_submitted, dtJobCompleted: row.dt_job_completed, executionTime: 1234 });
      assert.equal(job.downloadUrls.length, 2);
      for (const [i, url] of (job.downloadUrls as string[]).entries()) {
        const download = await t.app.inject({ method: 'GET', url: pathOf(url) });
        assert.equal(download.statusCode, 200);
        const zip = await openZip(new Uint8Array(download.rawPayload), 'zip-pass');
        assert.deepEqual(zip.names, [`b${i + 1}_progress_20240115.csv`]);
        assert.equal(zip.text, `Batch Id,Name,Note\r\nBatchId_b${i + 1},"Zoë, ""Z""","two\nlines"\r\n`);
      }
      // The links stop working when the read said they would.
      t.clock.set(job.expiresAt + 1000);
      const expired = await t.app.inject({ method: 'GET', url: pathOf(job.downloadUrls[0]) });
      assert.equal(expired.statusCode, 403);
      assert.equal(expired.json().params.errmsg, 'download link has expired');
    });

    test('nothing due: runOnce claims nothing', async () => {
      const worker = workerWith(async function* () {});
      assert.equal(await worker.runOnce(), undefined);
    });

    test('a failing attempt is retried with backoff, then FAILED after 3 attempts', async () => {
      const requestId = nextId();
      await queueRequest(database, t.services.keys.storedKeys, t.clock.now(), { requestId, encryptionKey: 'k' });
      let calls = 0;
      const worker = workerWith(async function* () {
        calls++;
        throw new Error('storage is unreachable');
      });

      const first = await worker.runOnce();
      assert.equal(first?.status, 'SUBMITTED');
      let row = await rowOf(database, requestId);
      assert.equal(row.status, 'SUBMITTED');
      assert.equal(row.err_message, 'storage is unreachable');
      assert.equal(row.next_attempt_at, t.clock.now() + 10_000);
      assert.notEqual(row.encryption_key, null);
      assert.equal(row.lease_owner, null);

      // Not due yet.
      t.clock.advance(9_999);
      assert.equal(await worker.runOnce(), undefined);
      t.clock.advance(1);
      assert.equal((await worker.runOnce())?.status, 'SUBMITTED');
      row = await rowOf(database, requestId);
      assert.equal(row.next_attempt_at, t.clock.now() + 20_000);

      // The API shows the retry as SUBMITTED with its reason.
      const read = await t.app.inject({ method: 'GET', url: `/dataset/v1/request/read/tag-1?requestId=${requestId}`, headers: channelHeaders('ch1') });
      assert.equal(read.json().result.status, 'SUBMITTED');
      assert.equal(read.json().result.statusMessage, 'storage is unreachable');
      assert.equal(read.json().result.attempts, 2);

      t.clock.advance(20_000);
      const last = await worker.runOnce();
      assert.equal(last?.status, 'FAILED');
      row = await rowOf(database, requestId);
      assert.equal(row.status, 'FAILED');
      assert.equal(row.err_message, 'storage is unreachable');
      assert.equal(row.encryption_key, null);
      assert.equal(row.iteration, MAX_ATTEMPTS);
      assert.equal(row.submission_attempts, MAX_ATTEMPTS);
      assert.equal(calls, MAX_ATTEMPTS);
      t.clock.advance(3_600_000);
      assert.equal(await worker.runOnce(), undefined);
    });

    test('a long error message is cut to 300 characters', async () => {
      const requestId = nextId();
      await queueRequest(database, t.services.keys.storedKeys, t.clock.now(), { requestId });
      const worker = workerWith(async function* () {
        throw new Error('x'.repeat(5000));
      });
      await worker.runOnce();
      assert.equal((await rowOf(database, requestId)).err_message!.length, 300);
    });

    test('a DataError is FAILED at once with its message', async () => {
      const requestId = nextId();
      await queueRequest(database, t.services.keys.storedKeys, t.clock.now(), { requestId, encryptionKey: 'k' });
      const worker = workerWith(async function* () {
        throw new DataError('The request is made for retired collection');
      });
      const outcome = await worker.runOnce();
      assert.equal(outcome?.status, 'FAILED');
      const row = await rowOf(database, requestId);
      assert.equal(row.status, 'FAILED');
      assert.equal(row.err_message, 'The request is made for retired collection');
      assert.equal(row.encryption_key, null);
      assert.equal(row.iteration, 1);
      assert.deepEqual(storageFiles().filter((f) => f.includes(requestId)), []);
    });

    test('a DataError in the middle of the rows fails the request and leaves no artefact', async () => {
      const requestId = nextId();
      await queueRequest(database, t.services.keys.storedKeys, t.clock.now(), { requestId });
      const worker = workerWith(async function* () {
        yield {
          batchId: 'b1',
          columns: ['n'],
          rows: (async function* () {
            yield [[1]];
            throw new DataError('No data found');
          })(),
        };
      });
      assert.equal((await worker.runOnce())?.status, 'FAILED');
      assert.equal((await rowOf(database, requestId)).err_message, 'No data found');
      assert.deepEqual(storageFiles().filter((f) => f.includes(requestId) || f.startsWith('.tmp/')), []);
    });

    test('a database or storage outage while building delays the request without using up its attempts', async () => {
      const requestId = nextId();
      await queueRequest(database, t.services.keys.storedKeys, t.clock.now(), { requestId, encryptionKey: 'k' });
      const worker = workerWith(async function* () {
        throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:443'), { code: 'ECONNREFUSED' });
      });
      for (let outage = 0; outage < MAX_ATTEMPTS + 2; outage++) {
        const outcome = await worker.runOnce();
        assert.equal(outcome?.status, 'SUBMITTED', `outage ${outage + 1}`);
        t.clock.set((await rowOf(database, requestId)).next_attempt_at);
      }
      const row = await rowOf(database, requestId);
      assert.deepEqual([row.status, row.submission_attempts], ['SUBMITTED', 0]);
      assert.notEqual(row.encryption_key, null, 'the key is kept for the attempt that will succeed');
    });

    test('a report with no batches is FAILED with "No data found"', async () => {
      const requestId = nextId();
      await queueRequest(database, t.services.keys.storedKeys, t.clock.now(), { requestId });
      const worker = workerWith(async function* () {});
      assert.equal((await worker.runOnce())?.status, 'FAILED');
      assert.equal((await rowOf(database, requestId)).err_message, 'No data found');
    });

    test('a worker that dies mid-report: its lease expires, another worker completes, one artefact per batch', async () => {
      const requestId = nextId();
      await queueRequest(database, t.services.keys.storedKeys, t.clock.now(), { requestId, encryptionKey: 'k' });
      const stuck = gate();
      let builds = 0;
      const reports: ReportsFn = async function* () {
        const build = ++builds;
        yield { batchId: 'b1', columns: ['n'], rows: rowsOf([[build]]) };
        yield {
          batchId: 'b2',
          columns: ['n'],
          rows: (async function* () {
            yield [[build]];
            if (build === 1) {
              stuck.arrive();
              await stuck.wait;
            }
          })(),
        };
      };
      const dying = workerWith(reports);
      const rescuer = workerWith(reports);

      const dyingOutcome = dying.runOnce();
      await stuck.reached;
      assert.equal((await rowOf(database, requestId)).status, 'PROCESSING');
      // Within the lease nothing is reaped.
      t.clock.advance(t.config.leaseSeconds * 1000);
      assert.deepEqual(await rescuer.reap(), { retried: 0, failed: 0 });
      t.clock.advance(1);
      assert.deepEqual(await rescuer.reap(), { retried: 1, failed: 0 });
      let row = await rowOf(database, requestId);
      assert.equal(row.status, 'SUBMITTED');
      assert.equal(row.err_message, STALLED_MESSAGE);

      const rescued = await rescuer.runOnce();
      assert.equal(rescued?.status, 'SUCCESS', rescued?.message);
      row = await rowOf(database, requestId);
      assert.equal(row.status, 'SUCCESS');
      assert.equal(row.iteration, 2);

      // The dead worker wakes up: it must neither complete the request nor leave a file behind.
      stuck.open();
      assert.equal((await dyingOutcome)?.status, 'LEASE_LOST');
      assert.deepEqual(await rowOf(database, requestId), row);
      const files = storageFiles().filter((f) => f.includes(requestId) || f.startsWith('.tmp/'));
      assert.deepEqual(files, [`${t.config.container}/progress-exhaust/${requestId}/b1_progress_20240115.zip`, `${t.config.container}/progress-exhaust/${requestId}/b2_progress_20240115.zip`]);
      // The stored b2 is the rescuer's (build 2), not the dead worker's.
      const b2 = await t.app.inject({ method: 'GET', url: pathOf(await t.services.store.signedUrl(t.config.container, `progress-exhaust/${requestId}/b2_progress_20240115.zip`, t.clock.now() + 60_000)) });
      assert.equal((await openZip(new Uint8Array(b2.rawPayload), 'k')).text, 'n\r\n2\r\n');
    });

    test('the progress checkpoint renews the lease of a long report, and aborts the build once the lease is lost', async () => {
      const requestId = nextId();
      await queueRequest(database, t.services.keys.storedKeys, t.clock.now(), { requestId });
      const stuck = gate();
      const leaseMs = t.config.leaseSeconds * 1000;
      const slow = workerWith(
        async function* () {
          yield {
            batchId: 'b1',
            columns: ['n'],
            rows: (async function* () {
              yield [[1]];
              stuck.arrive();
              // Never opened: only an abort ends this build.
              await stuck.wait;
            })(),
          };
        },
        { progressMs: 10 },
      );
      const outcome = slow.runOnce();
      await stuck.reached;
      // Twice the lease passes, renewed along the way: nothing to reap.
      for (let i = 0; i < 4; i++) {
        t.clock.advance(leaseMs / 2);
        await waitFor(async () => (await rowOf(database, requestId)).lease_expires_at === t.clock.now() + leaseMs);
        assert.deepEqual(await slow.reap(), { retried: 0, failed: 0 });
      }
      // Meanwhile the worker stalled past its lease and the reaper gave the request back (as reap() does;
      // done by hand here, as a live checkpoint would otherwise keep renewing).
      await database.db
        .updateTable('job_request')
        .set({ status: 'SUBMITTED', lease_owner: null, lease_expires_at: null, next_attempt_at: t.clock.now() })
        .where('request_id', '=', requestId)
        .execute();
      const other = workerWith(async function* () {
        yield { batchId: 'b1', columns: ['n'], rows: rowsOf([[2]]) };
      });
      // SKIP LOCKED passes over a row a checkpoint is touching at that instant: claim again, as the loop would.
      let claimed;
      for (let tries = 0; !claimed && tries < 50; tries++) claimed = await other.runOnce();
      assert.equal(claimed?.status, 'SUCCESS');
      // The next checkpoint finds the lease gone and aborts the stuck build.
      assert.equal((await outcome)?.status, 'LEASE_LOST');
      assert.equal((await rowOf(database, requestId)).status, 'SUCCESS');
      assert.deepEqual(storageFiles().filter((f) => f.startsWith('.tmp/')), []);
    });

    test('a request whose crash budget is spent is FAILED by the reaper, key erased', async () => {
      const requestId = nextId();
      await queueRequest(database, t.services.keys.storedKeys, t.clock.now(), { requestId, encryptionKey: 'k' });
      await database.db.updateTable('job_request').set({ lease_losses: t.config.maxLeaseLosses - 1 }).where('request_id', '=', requestId).execute();
      const stuck = gate();
      const dying = workerWith(async function* () {
        stuck.arrive();
        await stuck.wait;
      });
      const outcome = dying.runOnce();
      await stuck.reached;
      t.clock.advance(t.config.leaseSeconds * 1000 + 1);
      assert.deepEqual(await dying.reap(), { retried: 0, failed: 1 });
      const row = await rowOf(database, requestId);
      assert.equal(row.status, 'FAILED');
      assert.match(row.err_message!, /stopped responding 5 times/);
      assert.equal(row.encryption_key, null);
      stuck.open();
      assert.equal((await outcome)?.status, 'LEASE_LOST');
    });

    test('stop() releases an in-flight request without counting the attempt; another worker then builds it', async () => {
      const requestId = nextId();
      await queueRequest(database, t.services.keys.storedKeys, t.clock.now(), { requestId, encryptionKey: 'k' });
      const stuck = gate();
      const stopping = workerWith(
        async function* () {
          yield {
            batchId: 'b1',
            columns: ['n'],
            rows: (async function* () {
              yield [[1]];
              stuck.arrive();
              await stuck.wait;
            })(),
          };
        },
        { stopGraceMs: 50 },
      );
      const outcome = stopping.runOnce();
      await stuck.reached;
      await stopping.stop();
      assert.equal(stopping.state, 'stopped');
      assert.equal((await outcome)?.status, 'RELEASED');
      let row = await rowOf(database, requestId);
      assert.equal(row.status, 'SUBMITTED');
      assert.equal(row.iteration, 0);
      assert.equal(row.submission_attempts, 0);
      assert.equal(row.lease_owner, null);
      assert.equal(row.next_attempt_at, t.clock.now());
      assert.notEqual(row.encryption_key, null);
      assert.deepEqual(storageFiles().filter((f) => f.includes(requestId) || f.startsWith('.tmp/')), []);
      // A stopped worker claims nothing more.
      assert.equal(await stopping.runOnce(), undefined);
      stuck.open();

      const next = workerWith(async function* () {
        yield { batchId: 'b1', columns: ['n'], rows: rowsOf([[1]]) };
      });
      assert.equal((await next.runOnce())?.status, 'SUCCESS');
      row = await rowOf(database, requestId);
      assert.equal(row.iteration, 1);
    });

    test('stop() lets an in-flight request finish within the grace period', async () => {
      const requestId = nextId();
      await queueRequest(database, t.services.keys.storedKeys, t.clock.now(), { requestId });
      const worker = workerWith(
        async function* () {
          await new Promise((resolve) => setTimeout(resolve, 100));
          yield { batchId: 'b1', columns: ['n'], rows: rowsOf([[1]]) };
        },
        { stopGraceMs: 10_000 },
      );
      const outcome = worker.runOnce();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await worker.stop();
      assert.equal((await outcome)?.status, 'SUCCESS');
      assert.equal((await rowOf(database, requestId)).status, 'SUCCESS');
    });

    test('the loop builds what is submitted, up to its concurrency, and stops cleanly', async () => {
      const ids = [nextId(), nextId(), nextId()];
      for (const requestId of ids) await queueRequest(database, t.services.keys.storedKeys, t.clock.now(), { requestId });
      let running = 0;
      let most = 0;
      const worker = workerWith(
        async function* () {
          running++;
          most = Math.max(most, running);
          await new Promise((resolve) => setTimeout(resolve, 30));
          running--;
          yield { batchId: 'b1', columns: ['n'], rows: rowsOf([[1]]) };
        },
        { concurrency: 2, pollMs: 10 },
      );
      worker.start();
      assert.equal(worker.state, 'running');
      await waitFor(async () => {
        const rows = await database.db.selectFrom('job_request').select('status').where('request_id', 'in', ids).execute();
        return rows.every((r) => r.status === 'SUCCESS');
      });
      await worker.stop();
      assert.equal(worker.state, 'stopped');
      assert.equal(most, 2);
    });

    test('reports read through their own connection: the API writes while a report streams', async () => {
      const requestId = nextId();
      await queueRequest(database, t.services.keys.storedKeys, t.clock.now(), { requestId });
      const worker = workerWith(async function* (ctx) {
        yield {
          batchId: 'b1',
          columns: ['dataset'],
          rows: (async function* () {
            const query = ctx.database.db.selectFrom('dataset_metadata').select('dataset_id').orderBy('dataset_id').compile();
            for await (const chunk of ctx.database.streamRows<[string]>(query, 1)) {
              // On one better-sqlite3 connection this write would fail: the streaming read holds it.
              await queueRequest(database, t.services.keys.storedKeys, t.clock.now(), { requestId: `${requestId}-${chunk[0]![0]}` });
              yield chunk;
            }
          })(),
        };
      });
      const outcome = await worker.runOnce();
      assert.equal(outcome?.status, 'SUCCESS', outcome?.message);
      const stored = await database.db.selectFrom('job_request').select('request_id').where('request_id', 'like', `${requestId}-%`).execute();
      assert.equal(stored.length, 3);
    });
  });
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

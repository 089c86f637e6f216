import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { MAX_ATTEMPTS } from '../../src/requests/request.js';
import {
  claimRequest,
  completeRequest,
  failAttempt,
  OUTAGE_RETRY_MS,
  reapExpiredLeases,
  releaseRequest,
  renewLease,
  STALLED_MESSAGE,
  stalledFinalMessage,
} from '../../src/requests/request-queue.repository.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { queueRequest, rowOf } from './helpers.js';

const STORED_KEYS = randomBytes(32);
const LEASE = 60_000;

for (const dialect of dialects) {
  describe(`request queue (${dialect.name})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await dialect.open();
    });
    afterEach(async () => {
      await database.db.deleteFrom('job_request').execute();
    });
    after(async () => {
      await database.drop();
    });

    test('a claim takes exactly one request: the one due longest', async () => {
      await queueRequest(database, STORED_KEYS, 3000, { requestId: 'LATER' });
      await queueRequest(database, STORED_KEYS, 1000, { requestId: 'OLDEST' });
      await queueRequest(database, STORED_KEYS, 2000, { requestId: 'MIDDLE' });
      await queueRequest(database, STORED_KEYS, 9000, { requestId: 'NOT_DUE' });

      const lease = await claimRequest(database, 'w1#1', 5000, LEASE);
      assert.equal(lease?.row.request_id, 'OLDEST');
      assert.equal(lease.row.status, 'PROCESSING');
      assert.equal(lease.row.lease_owner, 'w1#1');
      assert.equal(lease.row.lease_expires_at, 5000 + LEASE);
      assert.equal(lease.row.iteration, 1);
      assert.equal(lease.row.submission_attempts, 1);
      const processing = await database.db.selectFrom('job_request').select('request_id').where('status', '=', 'PROCESSING').execute();
      assert.deepEqual(processing, [{ request_id: 'OLDEST' }]);

      assert.equal((await claimRequest(database, 'w1#2', 5000, LEASE))?.row.request_id, 'MIDDLE');
      assert.equal((await claimRequest(database, 'w1#3', 5000, LEASE))?.row.request_id, 'LATER');
      assert.equal(await claimRequest(database, 'w1#4', 5000, LEASE), undefined);
      assert.equal((await claimRequest(database, 'w1#5', 9000, LEASE))?.row.request_id, 'NOT_DUE');
    });

    test('only the lease owner renews, completes or releases', async () => {
      await queueRequest(database, STORED_KEYS, 1000, { requestId: 'R1', encryptionKey: 'k' });
      const lease = (await claimRequest(database, 'w1#1', 1000, LEASE))!;
      const stranger = { ...lease, owner: 'w2#1' };
      assert.equal(await renewLease(database.db, stranger, 2000, LEASE), false);
      assert.equal(await completeRequest(database.db, stranger, ['k'], 2000), false);
      assert.equal(await releaseRequest(database.db, stranger, 2000), false);
      assert.equal(await failAttempt(database.db, stranger, { message: 'x', final: true }, 2000), undefined);
      assert.equal((await rowOf(database, 'R1')).status, 'PROCESSING');

      assert.equal(await renewLease(database.db, lease, 2000, LEASE), true);
      assert.equal((await rowOf(database, 'R1')).lease_expires_at, 2000 + LEASE);
      assert.equal(await completeRequest(database.db, lease, ['a/b.zip'], 3000), true);
      const row = await rowOf(database, 'R1');
      assert.equal(row.status, 'SUCCESS');
      assert.equal(row.execution_time, 2000);
      assert.equal(row.encryption_key, null);
      // Done: the lease is gone, so nothing more can be written with it.
      assert.equal(await renewLease(database.db, lease, 4000, LEASE), false);
      assert.equal(await releaseRequest(database.db, lease, 4000), false);
    });

    test('release undoes the claim: the attempt does not count', async () => {
      await queueRequest(database, STORED_KEYS, 1000, { requestId: 'R2', encryptionKey: 'k' });
      const lease = (await claimRequest(database, 'w1#1', 1000, LEASE))!;
      assert.equal(await releaseRequest(database.db, lease, 1500), true);
      const row = await rowOf(database, 'R2');
      assert.deepEqual(
        [row.status, row.iteration, row.submission_attempts, row.next_attempt_at, row.lease_owner, row.lease_expires_at],
        ['SUBMITTED', 0, 0, 1500, null, null],
      );
      assert.notEqual(row.encryption_key, null);
    });

    test('failed attempts back off 10 s, 20 s, then FAIL', async () => {
      await queueRequest(database, STORED_KEYS, 0, { requestId: 'R3', encryptionKey: 'k' });
      let now = 0;
      const dueTimes: number[] = [];
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const lease = (await claimRequest(database, `w#${attempt}`, now, LEASE))!;
        const outcome = await failAttempt(database.db, lease, { message: `boom ${attempt}`, final: false }, now);
        const row = await rowOf(database, 'R3');
        if (attempt < MAX_ATTEMPTS) {
          assert.equal(outcome, 'SUBMITTED');
          dueTimes.push(row.next_attempt_at - now);
          now = row.next_attempt_at;
        } else {
          assert.equal(outcome, 'FAILED');
          assert.equal(row.err_message, `boom ${attempt}`);
          assert.equal(row.encryption_key, null);
        }
      }
      assert.deepEqual(dueTimes, [10_000, 20_000]);
    });

    test('a lost lease has its own budget: retried until the 5th loss, and the error budget stays whole', async () => {
      await queueRequest(database, STORED_KEYS, 0, { requestId: 'CRASH', encryptionKey: 'k' });
      let now = 0;
      for (let loss = 1; loss <= 5; loss++) {
        const lease = await claimRequest(database, `w#${loss}`, now, LEASE);
        assert.ok(lease, `claim ${loss}`);
        now += LEASE + 1;
        const reaped = await reapExpiredLeases(database.db, now, 5);
        const row = await rowOf(database, 'CRASH');
        assert.equal(row.lease_losses, loss);
        assert.equal(row.submission_attempts, 0, 'a crash is not an error of the request');
        if (loss < 5) {
          assert.deepEqual(reaped, { retried: 1, failed: 0 });
          assert.deepEqual([row.status, row.err_message, row.next_attempt_at], ['SUBMITTED', STALLED_MESSAGE, now]);
        } else {
          assert.deepEqual(reaped, { retried: 0, failed: 1 });
          assert.deepEqual([row.status, row.err_message, row.encryption_key], ['FAILED', stalledFinalMessage(5), null]);
        }
      }
    });

    test('after crashes, errors still get all their attempts; a resubmission starts both budgets afresh', async () => {
      await queueRequest(database, STORED_KEYS, 0, { requestId: 'MIXED' });
      let now = 0;
      for (let loss = 1; loss <= 4; loss++) {
        await claimRequest(database, `crash#${loss}`, now, LEASE);
        now += LEASE + 1;
        await reapExpiredLeases(database.db, now, 5);
      }
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const lease = (await claimRequest(database, `w#${attempt}`, now, LEASE))!;
        assert.ok(lease, `attempt ${attempt} is claimed`);
        const outcome = await failAttempt(database.db, lease, { message: 'boom', final: false }, now);
        assert.equal(outcome, attempt < MAX_ATTEMPTS ? 'SUBMITTED' : 'FAILED');
        now = (await rowOf(database, 'MIXED')).next_attempt_at;
      }
      await queueRequest(database, STORED_KEYS, now, { requestId: 'MIXED' });
      const row = await rowOf(database, 'MIXED');
      assert.deepEqual([row.status, row.submission_attempts, row.lease_losses], ['SUBMITTED', 0, 0]);
    });

    test('an outage delays the request without using up its attempts', async () => {
      await queueRequest(database, STORED_KEYS, 0, { requestId: 'OUTAGE', encryptionKey: 'k' });
      let now = 0;
      for (let outage = 1; outage <= 10; outage++) {
        const lease = (await claimRequest(database, `w#${outage}`, now, LEASE))!;
        assert.equal(await failAttempt(database.db, lease, { message: 'connect ECONNREFUSED 127.0.0.1:5432', final: false, outage: true }, now), 'SUBMITTED');
        const row = await rowOf(database, 'OUTAGE');
        assert.deepEqual([row.submission_attempts, row.next_attempt_at], [0, now + OUTAGE_RETRY_MS]);
        assert.match(row.err_message!, /^waiting for a service to come back: connect ECONNREFUSED/);
        assert.notEqual(row.encryption_key, null);
        now = row.next_attempt_at;
      }
      assert.equal((await rowOf(database, 'OUTAGE')).iteration, 10, 'every attempt is still counted in attempts');
    });

    test('fair share: a channel at its share waits while another channel has work due', async () => {
      for (let i = 0; i < 6; i++) await queueRequest(database, STORED_KEYS, 1000 + i, { requestId: `BUSY${i}`, channel: 'busy' });
      await queueRequest(database, STORED_KEYS, 5000, { requestId: 'QUIET', channel: 'quiet' });
      const claim = async (n: number) => (await claimRequest(database, `w#${n}`, 10_000, LEASE, 2))?.row.request_id;
      const order = [await claim(1), await claim(2), await claim(3), await claim(4)];
      // The quiet channel's single request overtakes the busy channel's older ones once busy runs 2;
      // then only busy has work, and a worker takes it rather than idle.
      assert.deepEqual(order, ['BUSY0', 'BUSY1', 'QUIET', 'BUSY2']);
    });

    test('without a share the queue is first due, first claimed', async () => {
      for (let i = 0; i < 3; i++) await queueRequest(database, STORED_KEYS, 1000 + i, { requestId: `BUSY${i}`, channel: 'busy' });
      await queueRequest(database, STORED_KEYS, 5000, { requestId: 'QUIET', channel: 'quiet' });
      const order = [];
      for (let n = 0; n < 4; n++) order.push((await claimRequest(database, `w#${n}`, 10_000, LEASE))?.row.request_id);
      assert.deepEqual(order, ['BUSY0', 'BUSY1', 'BUSY2', 'QUIET']);
    });
  });
}

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { MAX_ATTEMPTS } from '../../src/requests/request.js';
import {
  claimRequest,
  completeRequest,
  failAttempt,
  releaseRequest,
  renewLease,
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
  });
}

// /metrics answers for every process: the requests' life is counted in the database (cancelled,
// expired, bytes swept) and build times are read from it at each scrape.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Sweeper } from '../../src/sweeper/sweeper.js';
import { allowChannels, channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { queueRequest } from '../worker/helpers.js';

for (const dialect of dialects) {
  describe(`metrics of the requests' life (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;
    const scrape = async () => (await t.app.inject({ method: 'GET', url: '/metrics' })).body;

    before(async () => {
      database = await dialect.open();
      t = await startTestApp(database, { EXHAUST_RETENTION_DAYS: '1' });
      await allowChannels(database, ['ch1']);
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    test('build time per dataset is a histogram of the built requests', async () => {
      const now = t.clock.now();
      for (const [requestId, ms] of [['B1', 3_000], ['B2', 70_000], ['B3', 4_000]] as const) {
        await queueRequest(database, t.services.keys.storedKeys, now, { requestId });
        await database.db.updateTable('job_request').set({ status: 'SUCCESS', execution_time: ms, dt_job_completed: now, download_urls: '[]' }).where('request_id', '=', requestId).execute();
      }
      const text = await scrape();
      assert.match(text, /# TYPE exhaust_request_build_seconds histogram/);
      assert.match(text, /^exhaust_request_build_seconds_bucket\{dataset="progress-exhaust",le="1"\} 0$/m);
      assert.match(text, /^exhaust_request_build_seconds_bucket\{dataset="progress-exhaust",le="5"\} 2$/m);
      assert.match(text, /^exhaust_request_build_seconds_bucket\{dataset="progress-exhaust",le="300"\} 3$/m);
      assert.match(text, /^exhaust_request_build_seconds_bucket\{dataset="progress-exhaust",le="\+Inf"\} 3$/m);
      assert.match(text, /^exhaust_request_build_seconds_sum\{dataset="progress-exhaust"\} 77$/m);
      assert.match(text, /^exhaust_request_build_seconds_count\{dataset="progress-exhaust"\} 3$/m);
    });

    test('cancelled, expired and swept bytes are counted', async () => {
      assert.match(await scrape(), /^exhaust_requests_cancelled_total 0$/m);
      const submitted = await t.app.inject({
        method: 'POST',
        url: '/dataset/v1/request/submit',
        headers: channelHeaders('ch1'),
        payload: { request: { tag: 'm', dataset: 'progress-exhaust', datasetConfig: { batchId: 'b' }, requestedBy: 'u' } },
      });
      const { requestId } = submitted.json().result;
      assert.equal((await t.app.inject({ method: 'POST', url: `/dataset/v1/request/cancel/m?requestId=${requestId}`, headers: channelHeaders('ch1') })).statusCode, 200);
      assert.match(await scrape(), /^exhaust_requests_cancelled_total 1$/m);

      // A report built two days ago: past its retention of one day.
      const key = 'progress-exhaust/OLD/b_progress_20240113.zip';
      await t.services.store.put(t.config.container, key, Readable.from([Buffer.alloc(1234)]));
      await queueRequest(database, t.services.keys.storedKeys, t.clock.now(), { requestId: 'OLD' });
      const twoDaysAgo = t.clock.now() - 2 * 86_400_000;
      await database.db.updateTable('job_request').set({ status: 'SUCCESS', execution_time: 1, dt_job_completed: twoDaysAgo, download_urls: JSON.stringify([key]) }).where('request_id', '=', 'OLD').execute();
      const result = await new Sweeper(t.services).runOnce();
      assert.equal(result.expiredRequests, 1);
      const text = await scrape();
      assert.match(text, /^exhaust_requests_expired_total 1$/m);
      assert.match(text, new RegExp(`^exhaust_swept_bytes_total ${result.deletedBytes + result.removedUploadBytes}$`, 'm'));
      assert.ok(result.deletedBytes >= 1234, JSON.stringify(result));
      assert.match(text, /# TYPE exhaust_requests_cancelled_total counter/);
    });
  });
}

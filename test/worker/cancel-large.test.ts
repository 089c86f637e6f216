// Cancel reaches a real report: a progress-exhaust build of 10⁵ learners, cancelled once its first
// rows are written, stops before its end and leaves nothing in the store. (How fast it stops is the
// bench's business; the test prints it.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { Worker } from '../../src/worker/worker.js';
import { allowChannels, channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { filesUnder } from '../helpers/files.js';
import { insertBatch, insertCollection } from '../helpers/collection-records.js';
import { progressDataset } from '../../src/datasets/progress/progress.dataset.js';
import { rowOf, testBuilders } from './helpers.js';

const LEARNERS = 100_000;

/** 10⁵ learners of channel ch1 enrolled in batch `big`, made by the database itself (a second, not minutes of inserts). */
async function enrolLearners(database: TestDatabase): Promise<void> {
  const numbers =
    database.dialect === 'postgres'
      ? sql`select i from generate_series(1, ${LEARNERS}) as i`
      : sql`select value as i from (with recursive n(value) as (select 1 union all select value + 1 from n where value < ${LEARNERS}) select value from n)`;
  await sql`insert into record_user (id, first_name, root_org_id, org_name) select 'learner-' || i, 'Learner ' || i, 'ch1', 'Org' from (${numbers}) as numbers`.execute(database.db);
  await sql`insert into record_enrolment (user_id, collection_id, batch_id, active, certificates, content_status)
    select 'learner-' || i, 'course-big', 'big', 1, '[]', '{}' from (${numbers}) as numbers`.execute(database.db);
}

for (const dialect of dialects) {
  describe(`cancel of a 10⁵-row report (${dialect.name})`, { timeout: 120_000 }, () => {
    let database: TestDatabase;
    let t: TestApp;

    before(async () => {
      database = await dialect.open();
      t = await startTestApp(database);
      await allowChannels(database, ['ch1']);
      await insertCollection(database.db, { id: 'course-big', name: 'Big course', channel: 'ch1', leaf_nodes_count: 4 });
      await insertBatch(database.db, { id: 'big', collection_id: 'course-big', name: 'Big batch' });
      await enrolLearners(database);
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    test('stops partway, stores nothing, erases the key', async (context) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/dataset/v1/request/submit',
        headers: channelHeaders('ch1'),
        payload: { request: { tag: 'big', dataset: 'progress-exhaust', datasetConfig: { batchId: 'big' }, requestedBy: 'mentor', encryptionKey: 'zip-pass' } },
      });
      assert.equal(res.statusCode, 200, res.body);
      const requestId = res.json().result.requestId as string;
      // The real report, its rows counted as the build takes them from the database.
      let taken = 0;
      const counted = testBuilders(async function* (ctx, request) {
        for await (const report of progressDataset.reports(ctx, request)) {
          yield { ...report, rows: (async function* () { for await (const chunk of report.rows) { taken += chunk.length; yield chunk; } })() };
        }
      });
      const worker = new Worker({ ...t.services, builders: counted }, { reapMs: 60_000, progressMs: 50 });
      const outcome = worker.runOnce();
      let row = await rowOf(database, requestId);
      while (row.status === 'SUBMITTED' || (row.status === 'PROCESSING' && !row.progress_rows)) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        row = await rowOf(database, requestId);
      }
      assert.equal(row.status, 'PROCESSING', 'cancelled while it builds');
      const cancelledAt = performance.now();
      const cancel = await t.app.inject({ method: 'POST', url: `/dataset/v1/request/cancel/big?requestId=${requestId}`, headers: channelHeaders('ch1') });
      assert.equal(cancel.statusCode, 200, cancel.body);
      assert.equal((await outcome)?.status, 'CANCELLED');
      context.diagnostic(`the build stopped ${Math.round(performance.now() - cancelledAt)} ms after the cancel, having taken ${taken} of ${LEARNERS} rows`);
      assert.ok(taken < LEARNERS, `stopped before the end: ${taken} of ${LEARNERS} rows taken`);
      const final = await rowOf(database, requestId);
      assert.deepEqual([final.status, final.encryption_key, final.download_urls], ['CANCELLED', null, null]);
      assert.deepEqual(filesUnder(`${t.config.dataDir}/storage`), [], 'no artefact and no part file left');
      await worker.stop();
    });
  });
}

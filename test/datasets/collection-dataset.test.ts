import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DataErrorMessage } from '../../src/datasets/dataset.js';
import { progressDataset } from '../../src/datasets/progress/progress.dataset.js';
import { builders } from '../../src/datasets/registry.js';
import { responseDataset } from '../../src/datasets/response/response.dataset.js';
import { userinfoDataset } from '../../src/datasets/userinfo/userinfo.dataset.js';
import { drain, insertBatch, insertCollection, insertConsent, insertEnrolment } from '../helpers/collection-records.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

const noData = { name: 'DataError', message: DataErrorMessage.noData };

describe('collection dataset registry', () => {
  test('the three collection datasets are buildable, with their report keys', () => {
    assert.deepEqual([...builders.values()].map((b) => [b.id, b.reportKey]), [
      ['progress-exhaust', 'progress'], ['response-exhaust', 'response'], ['userinfo-exhaust', 'userinfo'],
    ]);
  });
});

for (const dialect of dialects) {
  describe(`collection datasets: batches and failures (${dialect.name})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await dialect.open();
      const db = database.db;
      await insertCollection(db, { id: 'col-1', name: 'Course One', channel: 'channel-a', user_consent: 1 });
      for (const id of ['b1', 'b2', 'b-empty', 'b-inactive']) await insertBatch(db, { id, collection_id: 'col-1' });
      for (const user_id of ['u1', 'u2', 'u3']) await insertEnrolment(db, { user_id, batch_id: 'b1', collection_id: 'col-1' });
      await insertEnrolment(db, { user_id: 'u1', batch_id: 'b2', collection_id: 'col-1' });
      await insertEnrolment(db, { user_id: 'u1', batch_id: 'b-inactive', collection_id: 'col-1', active: 0 });
      await insertConsent(db, { user_id: 'u1', object_id: 'col-1', consumer_id: 'channel-a' });
      await insertCollection(db, { id: 'col-old', channel: 'channel-a', status: 'Retired', user_consent: 1 });
      await insertBatch(db, { id: 'b-old', collection_id: 'col-old' });
      await insertEnrolment(db, { user_id: 'u1', batch_id: 'b-old', collection_id: 'col-old' });
      // A batch whose collection was never imported.
      await insertBatch(db, { id: 'b-orphan', collection_id: 'col-missing' });
    });
    after(() => database.drop());

    test('one report per batch with rows, in the order given; empty and unknown batches are skipped', async () => {
      const reports = await drain(progressDataset, database, { datasetConfig: { batchFilter: ['b2', 'b-empty', 'b-nope', 'b1', 'b2'] } });
      assert.deepEqual(reports.map((r) => [r.batchId, r.rows.map((row) => row[4])]), [['b2', ['u1']], ['b1', ['u1', 'u2', 'u3']]]);
    });

    test('No data found: unknown batch, batch without (active) rows, collection missing, no batch named', async () => {
      for (const datasetConfig of [{ batchId: 'b-nope' }, { batchId: 'b-empty' }, { batchId: 'b-inactive' }, { batchFilter: ['b-empty', 'b-nope'] }, { batchId: 'b-orphan' }, {}]) {
        for (const builder of [progressDataset, responseDataset, userinfoDataset]) {
          await assert.rejects(drain(builder, database, { datasetConfig }), noData, `${builder.id} ${JSON.stringify(datasetConfig)}`);
        }
      }
    });

    test('a retired collection fails the request before any report is made', async () => {
      for (const builder of [progressDataset, responseDataset, userinfoDataset]) {
        let made = 0;
        const reports = builder.reports({ database, timeZone: 'UTC' }, { requestId: 'R', dataset: builder.id, channel: 'channel-a', day: '20240115', datasetConfig: { batchFilter: ['b1', 'b-old'] } });
        await assert.rejects(async () => {
          for await (const report of reports) {
            made += 1;
            for await (const chunk of report.rows) void chunk;
          }
        }, { name: 'DataError', message: DataErrorMessage.retired });
        assert.equal(made, 0, builder.id);
      }
    });

    test('a report left half-read does not hold up the next batch', async () => {
      const seen: string[] = [];
      const reports = progressDataset.reports({ database, timeZone: 'UTC' }, { requestId: 'R', dataset: 'progress-exhaust', channel: 'channel-a', day: '20240115', datasetConfig: { batchFilter: ['b1', 'b2'] } });
      for await (const report of reports) {
        for await (const chunk of report.rows) {
          seen.push(`${report.batchId}:${String(chunk[0]![4])}`);
          break;
        }
      }
      assert.deepEqual(seen, ['b1:u1', 'b2:u1']);
      // The connection is free again.
      assert.equal((await drain(progressDataset, database, { datasetConfig: { batchId: 'b1' } }))[0]!.rows.length, 3);
    });
  });
}

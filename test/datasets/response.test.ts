import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { responseDataset } from '../../src/datasets/response/response.dataset.js';
import { drain, insertAttempt, insertBatch, insertCollection, insertEnrolment, insertUser } from '../helpers/collection-records.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

const columns = [
  'Collection Id', 'Collection Name', 'Batch Id', 'Batch Name', 'User UUID', 'QuestionSet Id', 'QuestionSet Title',
  'Attempt Id', 'Attempted On', 'Question Id', 'Question Type', 'Question Title', 'Question Description',
  'Question Duration', 'Question Score', 'Question Max Score', 'Question Options', 'Question Response',
];
const lead = ['col-1', 'Course One', 'BatchId_b1', 'Batch One'];

const mcq = {
  id: 'q1', type: 'mcq', title: 'Capital of France?', description: 'Pick one', duration: 12, score: 1, maxScore: 1,
  params: [{ '1': '{"text":"Paris"}' }, { '2': '{"text":"Lyon"}' }], response: [{ '1': '{"text":"Paris"}' }],
};
const sa = { id: 'q2', type: 'sa', title: 'Say "hi", please', score: 0.5, maxScore: 2, response: 'hi, there' };

for (const dialect of dialects) {
  describe(`response-exhaust (${dialect.name})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await dialect.open();
      const db = database.db;
      await insertCollection(db, {
        id: 'col-1', name: 'Course One', channel: 'channel-a',
        assessments: JSON.stringify([{ id: 'do_qs1', name: 'Question Set One' }]),
      });
      await insertBatch(db, { id: 'b1', collection_id: 'col-1', name: 'Batch One' });
      await insertBatch(db, { id: 'b2', collection_id: 'col-1', name: 'Batch Two' });
      await insertUser(db, { id: 'u1', root_org_id: 'channel-a' });
      await insertUser(db, { id: 'u2', root_org_id: 'channel-b' });
      await insertUser(db, { id: 'u3', root_org_id: 'channel-b' });
      for (const user_id of ['u1', 'u2']) await insertEnrolment(db, { user_id, batch_id: 'b1', collection_id: 'col-1' });
      await insertEnrolment(db, { user_id: 'u3', batch_id: 'b1', collection_id: 'col-1', active: 0 });
      await insertEnrolment(db, { user_id: 'u1', batch_id: 'b2', collection_id: 'col-1' });
      const at = { collection_id: 'col-1', content_id: 'do_qs1' };
      await insertAttempt(db, { ...at, user_id: 'u2', batch_id: 'b1', attempt_id: 'att-3', last_attempted_on: '2024-01-20T10:00:00Z', questions: JSON.stringify([sa]) });
      await insertAttempt(db, { ...at, user_id: 'u1', batch_id: 'b1', attempt_id: 'att-1', last_attempted_on: '2024-01-15T20:00:00Z', questions: JSON.stringify([mcq, sa]) });
      // An attempt without questions gives no row; one of a content not in the list has no title.
      await insertAttempt(db, { ...at, user_id: 'u1', batch_id: 'b1', attempt_id: 'att-2', questions: '[]' });
      await insertAttempt(db, { ...at, user_id: 'u1', batch_id: 'b1', attempt_id: 'att-4', content_id: 'do_gone', last_attempted_on: '2024-01-16', questions: JSON.stringify([{ id: 'q9' }]) });
      // Another batch, and an inactive enrolment: not in b1's report.
      await insertAttempt(db, { ...at, user_id: 'u1', batch_id: 'b2', attempt_id: 'att-5', questions: JSON.stringify([mcq]) });
      await insertAttempt(db, { ...at, user_id: 'u3', batch_id: 'b1', attempt_id: 'att-6', questions: JSON.stringify([mcq]) });
    });
    after(() => database.drop());

    test('a row per question per attempt of this batch, options and response as JSON', async () => {
      const reports = await drain(responseDataset, database, { datasetConfig: { batchId: 'b1' } }, 'Asia/Kolkata');
      assert.equal(reports.length, 1);
      assert.deepEqual(reports[0]!.columns, columns);
      assert.deepEqual(reports[0]!.rows, [
        [...lead, 'u1', 'do_gone', '', 'att-4', '2024-01-16 00:00:00', 'q9', '', '', '', '', '', '', '', ''],
        [...lead, 'u1', 'do_qs1', 'Question Set One', 'att-1', '2024-01-16 01:30:00', 'q1', 'mcq', 'Capital of France?', 'Pick one', 12, 1, 1,
          '[{"1":"{\\"text\\":\\"Paris\\"}"},{"2":"{\\"text\\":\\"Lyon\\"}"}]', '[{"1":"{\\"text\\":\\"Paris\\"}"}]'],
        [...lead, 'u1', 'do_qs1', 'Question Set One', 'att-1', '2024-01-16 01:30:00', 'q2', 'sa', 'Say "hi", please', '', '', 0.5, 2, '', '"hi, there"'],
        [...lead, 'u2', 'do_qs1', 'Question Set One', 'att-3', '2024-01-20 15:30:00', 'q2', 'sa', 'Say "hi", please', '', '', 0.5, 2, '', '"hi, there"'],
      ]);
    });

    test('another channel sees only the attempts of its own root org users', async () => {
      const [report] = await drain(responseDataset, database, { channel: 'channel-b', datasetConfig: { batchId: 'b1' } });
      assert.deepEqual(report!.rows.map((r) => [r[4], r[7], r[9]]), [['u2', 'att-3', 'q2']]);
    });

    test('several batches: one report each, in the order given', async () => {
      const reports = await drain(responseDataset, database, { datasetConfig: { batchFilter: ['b2', 'b1'] } });
      assert.deepEqual(reports.map((r) => [r.batchId, r.rows.length]), [['b2', 1], ['b1', 4]]);
      assert.deepEqual(reports[0]!.rows[0]!.slice(0, 8), ['col-1', 'Course One', 'BatchId_b2', 'Batch Two', 'u1', 'do_qs1', 'Question Set One', 'att-5']);
    });
  });
}

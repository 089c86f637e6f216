import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DataErrorMessage } from '../../src/datasets/dataset.js';
import { userinfoDataset } from '../../src/datasets/userinfo/userinfo.dataset.js';
import { drain, insertBatch, insertCollection, insertConsent, insertEnrolment, insertUser } from '../helpers/collection-records.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

const columns = [
  'Collection Id', 'Collection Name', 'Batch Id', 'Batch Name', 'User UUID', 'User Name', 'User Type', 'User Sub Type',
  'State', 'District', 'Block', 'Cluster', 'School Id', 'School Name', 'Org Name', 'Email ID', 'Mobile Number',
  'Consent Provided', 'Consent Provided Date',
];
const lead = ['col-1', 'Course One', 'BatchId_b1', 'Batch One'];

for (const dialect of dialects) {
  describe(`userinfo-exhaust (${dialect.name})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await dialect.open();
      const db = database.db;
      await insertCollection(db, { id: 'col-1', name: 'Course One', channel: 'channel-a', user_consent: 1 });
      await insertBatch(db, { id: 'b1', collection_id: 'col-1', name: 'Batch One' });
      await insertUser(db, {
        id: 'u1', first_name: 'Asha', last_name: 'Rao', root_org_id: 'channel-a', user_type: 'teacher', user_sub_type: 'hm', state: 'Karnataka',
        district: 'Mysuru', block: 'Block 1', cluster: 'Cluster 1', school_id: 'S1', school_name: 'School One', org_name: 'Org A',
        email: 'asha@example.org', phone: '9999900000',
      });
      await insertUser(db, { id: 'u2', first_name: 'Ravi', last_name: null, root_org_id: 'channel-b' });
      await insertUser(db, { id: 'u3', first_name: 'Mina', root_org_id: 'channel-a' });
      await insertUser(db, { id: 'u4', first_name: 'Old', root_org_id: 'channel-a' });
      await insertUser(db, { id: 'u5', first_name: 'Gone', root_org_id: 'channel-a' });
      for (const user_id of ['u1', 'u2', 'u3', 'u4']) await insertEnrolment(db, { user_id, batch_id: 'b1', collection_id: 'col-1' });
      await insertEnrolment(db, { user_id: 'u5', batch_id: 'b1', collection_id: 'col-1', active: 0 });
      const consent = { object_id: 'col-1' };
      await insertConsent(db, { ...consent, user_id: 'u1', consumer_id: 'channel-a', last_updated_on: '2024-01-15T20:00:00Z' });
      await insertConsent(db, { ...consent, user_id: 'u2', consumer_id: 'channel-a', last_updated_on: '2024-01-10' });
      await insertConsent(db, { ...consent, user_id: 'u2', consumer_id: 'channel-b', last_updated_on: '2024-01-11' });
      // u3 revoked; u4 consented to another org only; u5 is no longer enrolled.
      await insertConsent(db, { ...consent, user_id: 'u3', consumer_id: 'channel-a', status: 'REVOKED' });
      await insertConsent(db, { ...consent, user_id: 'u4', consumer_id: 'channel-b' });
      await insertConsent(db, { ...consent, user_id: 'u5', consumer_id: 'channel-a' });
      // A consent for another collection does not count either.
      await insertConsent(db, { object_id: 'col-2', user_id: 'u3', consumer_id: 'channel-a' });
    });
    after(() => database.drop());

    test('a row per active enrolment with an ACTIVE consent to the requesting org', async () => {
      const reports = await drain(userinfoDataset, database, { datasetConfig: { batchId: 'b1' } }, 'Asia/Kolkata');
      assert.equal(reports.length, 1);
      assert.deepEqual(reports[0]!.columns, columns);
      assert.deepEqual(reports[0]!.rows, [
        [...lead, 'u1', 'Asha Rao', 'teacher', 'hm', 'Karnataka', 'Mysuru', 'Block 1', 'Cluster 1', 'S1', 'School One', 'Org A',
          'asha@example.org', '9999900000', 'true', '16/01/2024'],
        [...lead, 'u2', 'Ravi', '', '', '', '', '', '', '', '', '', '', '', 'true', '10/01/2024'],
      ]);
    });

    test('another org sees its own users that consented to it', async () => {
      const [report] = await drain(userinfoDataset, database, { channel: 'channel-b', datasetConfig: { batchId: 'b1' } });
      // u4 consented to channel-b but belongs to channel-a's root org.
      assert.deepEqual(report!.rows.map((r) => [r[4], r[18]]), [['u2', '11/01/2024']]);
    });

    test('a collection that does not ask for consent is refused', async () => {
      await insertCollection(database.db, { id: 'col-3', channel: 'channel-a', user_consent: 0 });
      await insertBatch(database.db, { id: 'b3', collection_id: 'col-3' });
      await insertEnrolment(database.db, { user_id: 'u1', batch_id: 'b3', collection_id: 'col-3' });
      await insertConsent(database.db, { object_id: 'col-3', user_id: 'u1', consumer_id: 'channel-a' });
      await assert.rejects(drain(userinfoDataset, database, { datasetConfig: { batchId: 'b3' } }), { name: 'DataError', message: DataErrorMessage.noConsent });
    });
  });
}

import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { findRecordEntity } from '../../src/records/entities.js';
import { describeBadLines, type ImportOptions, importRecords } from '../../src/records/import.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

const jsonl = (...records: unknown[]) => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

/** Imports `text` as `name`, delivered in chunks of `chunkBytes` (default: one chunk). */
function importText(database: TestDatabase, name: string, text: string, options: ImportOptions & { chunkBytes?: number } = {}) {
  const bytes = Buffer.from(text);
  const size = options.chunkBytes ?? Math.max(1, bytes.length);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return importRecords(database.db, findRecordEntity(name)!, Readable.from(chunks), options);
}

for (const dialect of dialects) {
  describe(`records import (${dialect.name})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await dialect.open();
    });
    after(async () => {
      await database.drop();
    });

    test('users map every field to its column', async () => {
      const user = {
        id: 'u1', firstName: 'Asha', lastName: 'Rao', email: 'asha@example.org', phone: '9999', rootOrgId: 'org1', orgName: 'Org One',
        state: 'KA', district: 'Mysuru', block: 'B1', cluster: 'C1', schoolId: 'S1', schoolName: 'School One', userType: 'teacher',
        userSubType: 'hm', board: 'CBSE', status: 'active', unknownField: 'ignored',
      };
      const result = await importText(database, 'users', jsonl(user, { id: 'u2' }));
      assert.deepEqual(result, { entity: 'users', rows: 2, errors: [], badLines: 0 });
      const rows = await database.db.selectFrom('record_user').selectAll().orderBy('id').execute();
      assert.deepEqual(rows[0], {
        id: 'u1', first_name: 'Asha', last_name: 'Rao', email: 'asha@example.org', phone: '9999', root_org_id: 'org1', org_name: 'Org One',
        state: 'KA', district: 'Mysuru', block: 'B1', cluster: 'C1', school_id: 'S1', school_name: 'School One', user_type: 'teacher',
        user_sub_type: 'hm', board: 'CBSE', status: 'active',
      });
      assert.equal(rows[1]!.first_name, null);
    });

    test('collections, batches, enrolments, attempts and consents map to their tables', async () => {
      await importText(database, 'collections', jsonl(
        { id: 'do_c1', name: 'Course', channel: 'org1', status: 'Live', userConsent: 'Yes', leafNodesCount: 4, assessments: [{ id: 'do_a1', name: 'Quiz' }] },
      ));
      await importText(database, 'batches', jsonl({ id: 'b1', collectionId: 'do_c1', name: 'Batch 1', status: '1', startDate: '2024-01-01', endDate: '2024-03-31T18:30:00Z', createdBy: 'u-admin', mentors: ['u-m1'] }));
      await importText(database, 'enrolments', jsonl(
        { userId: 'u1', batchId: 'b1', collectionId: 'do_c1', active: false, enrolledDate: '2024-01-02', completedOn: '2024-02-01T10:00:00+05:30', certificates: [{ id: 'cert1' }], contentStatus: { do_a1: 2, do_v1: 1 } },
      ));
      await importText(database, 'attempts', jsonl(
        { userId: 'u1', collectionId: 'do_c1', batchId: 'b1', contentId: 'do_a1', attemptId: 'at1', totalScore: 3.5, totalMaxScore: 5, lastAttemptedOn: '2024-01-20T08:00:00Z', questions: [{ id: 'q1', type: 'mcq', score: 1, maxScore: 1, params: [{ '1': 'a' }], response: [1] }] },
      ));
      await importText(database, 'consents', jsonl({ userId: 'u1', objectId: 'do_c1', consumerId: 'org1', status: 'active', lastUpdatedOn: '2024-01-03T00:00:00Z' }));

      const db = database.db;
      assert.deepEqual(await db.selectFrom('record_collection').selectAll().execute(), [
        { id: 'do_c1', name: 'Course', channel: 'org1', status: 'Live', user_consent: 1, leaf_nodes_count: 4, assessments: '[{"id":"do_a1","name":"Quiz"}]' },
      ]);
      assert.deepEqual(await db.selectFrom('record_batch').selectAll().execute(), [
        { id: 'b1', collection_id: 'do_c1', name: 'Batch 1', status: '1', start_date: '2024-01-01', end_date: '2024-03-31T18:30:00Z', created_by: 'u-admin', mentors: '["u-m1"]' },
      ]);
      assert.deepEqual(await db.selectFrom('record_enrolment').selectAll().execute(), [
        { user_id: 'u1', collection_id: 'do_c1', batch_id: 'b1', active: 0, enrolled_date: '2024-01-02', completed_on: '2024-02-01T10:00:00+05:30', certificates: '[{"id":"cert1"}]', content_status: '{"do_a1":2,"do_v1":1}' },
      ]);
      const [attempt] = await db.selectFrom('record_attempt').selectAll().execute();
      assert.deepEqual({ ...attempt, questions: JSON.parse(attempt!.questions) }, {
        user_id: 'u1', collection_id: 'do_c1', batch_id: 'b1', content_id: 'do_a1', attempt_id: 'at1', total_score: 3.5, total_max_score: 5,
        last_attempted_on: '2024-01-20T08:00:00Z', questions: [{ id: 'q1', type: 'mcq', score: 1, maxScore: 1, params: [{ '1': 'a' }], response: [1] }],
      });
      assert.deepEqual(await db.selectFrom('record_consent').selectAll().execute(), [
        { user_id: 'u1', object_id: 'do_c1', consumer_id: 'org1', status: 'ACTIVE', last_updated_on: '2024-01-03T00:00:00Z' },
      ]);
    });

    test('a re-import updates by natural key: no duplicate, absent fields cleared', async () => {
      await importText(database, 'enrolments', jsonl({ userId: 'u9', batchId: 'b9', collectionId: 'c9', completedOn: '2024-01-05', certificates: ['x'] }));
      await importText(database, 'enrolments', jsonl({ userId: 'u9', batchId: 'b9', collectionId: 'c9', active: false }));
      const rows = await database.db.selectFrom('record_enrolment').selectAll().where('user_id', '=', 'u9').execute();
      assert.equal(rows.length, 1);
      assert.deepEqual(rows[0], { user_id: 'u9', collection_id: 'c9', batch_id: 'b9', active: 0, enrolled_date: null, completed_on: null, certificates: '[]', content_status: '{}' });

      await importText(database, 'consents', jsonl({ userId: 'u9', objectId: 'c9', consumerId: 'o9', status: 'ACTIVE' }));
      await importText(database, 'consents', jsonl({ userId: 'u9', objectId: 'c9', consumerId: 'o9', status: 'revoked' }));
      const consents = await database.db.selectFrom('record_consent').select('status').where('user_id', '=', 'u9').execute();
      assert.deepEqual(consents, [{ status: 'REVOKED' }]);
    });

    test('a key repeated in one file: the last line wins, within a batch and across batches', async () => {
      const lines = [
        { id: 'dup-a', name: 'first' }, { id: 'dup-b', name: 'b' }, { id: 'dup-a', name: 'second' },
        { id: 'dup-c', name: 'c' }, { id: 'dup-d', name: 'd' }, { id: 'dup-a', name: 'third' },
      ];
      // Three rows per statement: dup-a twice in the first batch (PostgreSQL would refuse that
      // without de-duplication), then again in the second.
      const result = await importText(database, 'collections', jsonl(...lines), { rowsPerStatement: 3 });
      assert.equal(result.badLines, 0);
      const rows = await database.db.selectFrom('record_collection').select(['id', 'name']).where('id', 'like', 'dup-%').orderBy('id').execute();
      assert.deepEqual(rows, [{ id: 'dup-a', name: 'third' }, { id: 'dup-b', name: 'b' }, { id: 'dup-c', name: 'c' }, { id: 'dup-d', name: 'd' }]);
    });

    test('a bad line in the middle is reported by number and nothing of the file is applied', async () => {
      const text = jsonl({ id: 'bad-1' }, { id: 'bad-2' }, '{"id": "bad-3",', { id: 'bad-4' }, { firstName: 'no id' }, { id: 'bad-6', email: 5 });
      // One row per statement: rows before the bad line were already written, and must be rolled back.
      const result = await importText(database, 'users', text, { rowsPerStatement: 1 });
      assert.equal(result.rows, 0);
      assert.equal(result.badLines, 3);
      assert.deepEqual(result.errors.map((e) => e.line), [3, 5, 6]);
      assert.match(result.errors[0]!.reason, /^invalid JSON/);
      assert.equal(result.errors[1]!.reason, 'id is required');
      assert.equal(result.errors[2]!.reason, 'email must be a string');
      assert.deepEqual(describeBadLines(result, (n) => `users.jsonl:${n}`).slice(1), ['users.jsonl:5: id is required', 'users.jsonl:6: email must be a string']);
      const count = await database.db.selectFrom('record_user').select((eb) => eb.fn.countAll<number>().as('n')).where('id', 'like', 'bad-%').executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 0);
    });

    test('a refused file leaves earlier rows of the same table untouched', async () => {
      await importText(database, 'batches', jsonl({ id: 'keep-1', collectionId: 'c', name: 'before' }));
      const result = await importText(database, 'batches', jsonl({ id: 'keep-1', collectionId: 'c', name: 'after' }, { id: 'keep-2', collectionId: 'c', startDate: '2024-02-30' }));
      assert.equal(result.badLines, 1);
      assert.match(result.errors[0]!.reason, /^startDate must be an ISO 8601 date/);
      const rows = await database.db.selectFrom('record_batch').select(['id', 'name']).where('id', 'like', 'keep-%').execute();
      assert.deepEqual(rows, [{ id: 'keep-1', name: 'before' }]);
    });

    test('lists the first 20 bad lines and counts the rest', async () => {
      const text = Array.from({ length: 25 }, (_, i) => (i === 0 ? JSON.stringify({ id: 'cap-ok' }) : 'not json')).join('\n');
      const result = await importText(database, 'users', text);
      assert.equal(result.badLines, 24);
      assert.equal(result.errors.length, 20);
      assert.equal(result.errors[19]!.line, 21);
      const described = describeBadLines(result, (n) => `line ${n}`);
      assert.equal(described.length, 21);
      assert.equal(described[20], '… and 4 more bad lines');
    });

    test('blank lines, CRLF, a missing final newline and any chunking give the same rows', async () => {
      const text = `\n${JSON.stringify({ id: 'crlf-1', firstName: 'Zoë' })}\r\n   \r\n\n${JSON.stringify({ id: 'crlf-2', lastName: 'Müller' })}`;
      // One byte per chunk splits lines and multi-byte characters across chunks.
      const result = await importText(database, 'users', text, { chunkBytes: 1 });
      assert.deepEqual(result, { entity: 'users', rows: 2, errors: [], badLines: 0 });
      const rows = await database.db.selectFrom('record_user').select(['id', 'first_name', 'last_name']).where('id', 'like', 'crlf-%').orderBy('id').execute();
      assert.deepEqual(rows, [{ id: 'crlf-1', first_name: 'Zoë', last_name: null }, { id: 'crlf-2', first_name: null, last_name: 'Müller' }]);
    });

    test('line numbers count blank lines; overlong lines and broken UTF-8 are bad lines', async () => {
      const overlong = JSON.stringify({ id: 'long', firstName: 'x'.repeat(200) });
      const head = Buffer.from(['', JSON.stringify({ id: 'ok-1' }), '', overlong, ''].join('\n'));
      const bytes = Buffer.concat([head, Buffer.from('{"id": "utf'), Buffer.from([0xff]), Buffer.from('"}\n')]);
      const result = await importRecords(database.db, findRecordEntity('users')!, Readable.from([bytes.subarray(0, 50), bytes.subarray(50)]), { maxLineBytes: 100 });
      assert.deepEqual(result.errors, [{ line: 4, reason: 'line is longer than 100 bytes' }, { line: 5, reason: 'not valid UTF-8' }]);
    });

    test('an empty file imports nothing and succeeds', async () => {
      assert.deepEqual(await importText(database, 'attempts', ''), { entity: 'attempts', rows: 0, errors: [], badLines: 0 });
    });

    test('reports progress as bytes read', async () => {
      const text = jsonl({ id: 'p1' }, { id: 'p2' });
      let bytes = 0;
      await importText(database, 'users', text, { chunkBytes: 7, onBytes: (n) => (bytes += n) });
      assert.equal(bytes, Buffer.byteLength(text));
    });
  });
}

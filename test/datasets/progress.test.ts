import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { completedContents, progressDataset } from '../../src/datasets/progress/progress.dataset.js';
import { drain, insertAttempt, insertBatch, insertCollection, insertEnrolment, insertUser } from '../helpers/collection-records.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

const fixedColumns = [
  'Collection Id', 'Collection Name', 'Batch Id', 'Batch Name', 'User UUID', 'State', 'District', 'Org Name',
  'School Id', 'School Name', 'Block Name', 'Cluster Name', 'User Type', 'User Sub Type', 'Declared Board',
  'Enrolment Date', 'Completion Date', 'Certificate Status', 'Progress', 'Total Score',
];

interface Expected {
  user: string;
  profile?: string[];
  enrolled?: string;
  completed?: string;
  certificate?: string;
  progress?: number;
  total?: string;
  scores?: string[];
}
/** The row expected for a user of collection `c-<n>` / batch `b-<n>` (names `Course <n>`, `Batch <n>`). */
const row = (n: string, e: Expected) => [
  `c-${n}`, `Course ${n}`, `BatchId_b-${n}`, `Batch ${n}`, e.user, ...(e.profile ?? Array(10).fill('')),
  e.enrolled ?? '', e.completed ?? '', e.certificate ?? '', e.progress ?? 0, e.total ?? '', ...(e.scores ?? []),
];
const statuses = (done: number, other = 0) =>
  JSON.stringify(Object.fromEntries([...Array.from({ length: done }, (_, i) => [`done${i}`, 2]), ...Array.from({ length: other }, (_, i) => [`open${i}`, i % 2])]));

for (const dialect of dialects) {
  describe(`progress-exhaust (${dialect.name})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await dialect.open();
    });
    after(() => database.drop());

    /** Collection c-<n> of channel-a with batch b-<n>. */
    async function course(n: string, collection: { leaf_nodes_count?: number | null; assessments?: Array<{ id: string; name: string }>; channel?: string } = {}) {
      const { assessments = [], ...rest } = collection;
      await insertCollection(database.db, { id: `c-${n}`, name: `Course ${n}`, channel: 'channel-a', leaf_nodes_count: 8, assessments: JSON.stringify(assessments), ...rest });
      await insertBatch(database.db, { id: `b-${n}`, collection_id: `c-${n}`, name: `Batch ${n}` });
    }
    const enrol = (n: string, user_id: string, e: Partial<Parameters<typeof insertEnrolment>[1]> = {}) =>
      insertEnrolment(database.db, { user_id, batch_id: `b-${n}`, collection_id: `c-${n}`, ...e });
    const attempt = (n: string, user_id: string, content_id: string, attempt_id: string, total_score: number | null, total_max_score: number | null, last_attempted_on: string | null = null) =>
      insertAttempt(database.db, { user_id, batch_id: `b-${n}`, collection_id: `c-${n}`, content_id, attempt_id, total_score, total_max_score, last_attempted_on });
    const report = async (n: string, channel = 'channel-a', timeZone = 'UTC') => {
      const reports = await drain(progressDataset, database, { channel, datasetConfig: { batchId: `b-${n}` } }, timeZone);
      assert.equal(reports.length, 1);
      return reports[0]!;
    };

    test('writes the learner profile, dates in dd/MM/yyyy and the certificate status', async () => {
      await course('1');
      await insertUser(database.db, {
        id: 'p1', root_org_id: 'channel-a', state: 'Karnataka', district: 'Mysuru', org_name: 'Org A', school_id: 'S1', school_name: 'School One',
        block: 'Block 1', cluster: 'Cluster 1', user_type: 'teacher', user_sub_type: 'hm', board: 'CBSE',
      });
      // Date-only text is written as it is; timestamps are converted to the zone (Kolkata is UTC+05:30).
      await enrol('1', 'p1', { enrolled_date: '2024-01-15', completed_on: '2024-02-01T20:00:00Z', certificates: '[{"id":"cert-1"}]' });
      await enrol('1', 'p2', { enrolled_date: '2024-01-15T20:00:00Z', certificates: '[]' });
      const { batchId, columns, rows } = await report('1', 'channel-a', 'Asia/Kolkata');
      assert.equal(batchId, 'b-1');
      assert.deepEqual(columns, fixedColumns);
      assert.deepEqual(rows, [
        row('1', {
          user: 'p1', profile: ['Karnataka', 'Mysuru', 'Org A', 'S1', 'School One', 'Block 1', 'Cluster 1', 'teacher', 'hm', 'CBSE'],
          enrolled: '15/01/2024', completed: '02/02/2024', certificate: 'Issued', progress: 100,
        }),
        row('1', { user: 'p2', enrolled: '16/01/2024' }),
      ]);
    });

    test('progress: half up, capped at 100, 100 once completed, 0 without a leaf-node count', async () => {
      await course('2a', { leaf_nodes_count: 3 });
      await enrol('2a', 'u1', { content_status: statuses(2, 1) }); // 66.67 → 67
      await enrol('2a', 'u2', { content_status: statuses(1, 2) }); // 33.33 → 33
      await enrol('2a', 'u3', { content_status: statuses(5) }); // 166 → 100
      await enrol('2a', 'u4', { content_status: statuses(0, 3), completed_on: '2024-02-01' }); // completed → 100
      await enrol('2a', 'u5', { content_status: '{"a":"2","b":1}' }); // a status imported as text counts
      assert.deepEqual((await report('2a')).rows.map((r) => [r[4], r[18]]), [['u1', 67], ['u2', 33], ['u3', 100], ['u4', 100], ['u5', 33]]);

      await course('2b', { leaf_nodes_count: 8 });
      await enrol('2b', 'u1', { content_status: statuses(1, 3) }); // 12.5 → 13
      await enrol('2b', 'u2', { content_status: statuses(3) }); // 37.5 → 38
      assert.deepEqual((await report('2b')).rows.map((r) => r[18]), [13, 38]);

      await course('2c', { leaf_nodes_count: null });
      await course('2d', { leaf_nodes_count: 0 });
      for (const n of ['2c', '2d']) {
        await enrol(n, 'u1', { content_status: statuses(2) });
        await enrol(n, 'u2', { content_status: statuses(2), completed_on: '2024-02-01' });
        assert.deepEqual((await report(n)).rows.map((r) => r[18]), [0, 100]);
      }
    });

    test('scores come from the best attempt (score, then latest), ceilinged, columns sorted by id', async () => {
      await course('3', { assessments: [{ id: 'do_q2', name: 'Quiz Two' }, { id: 'do_q1', name: 'Quiz One' }, { id: 'do_q3', name: 'Quiz Three' }] });
      await enrol('3', 'u1');
      // do_q1: the highest score wins even though it is older; 100 × 0.7 must be 70, not 71.
      await attempt('3', 'u1', 'do_q1', 'a1', 0.3, 1, '2024-01-20T10:00:00Z');
      await attempt('3', 'u1', 'do_q1', 'a2', 0.7, 1, '2024-01-18T10:00:00Z');
      await attempt('3', 'u1', 'do_q1', 'a0', null, 1, '2024-01-25T10:00:00Z');
      // do_q2: equal scores, the latest attempt wins (its max differs, so the choice shows): 2/6 → 34%.
      await attempt('3', 'u1', 'do_q2', 'a3', 2, 3, '2024-01-21T09:00:00Z');
      await attempt('3', 'u1', 'do_q2', 'a4', 2, 6, '2024-01-21T10:00:00Z');
      await attempt('3', 'u1', 'do_q2', 'a5', 2, 4, null);
      // Not an assessment of the collection: no column, not in the total.
      await attempt('3', 'u1', 'do_other', 'a6', 0, 50);
      // u2 has attempted one assessment only; u3 none.
      await enrol('3', 'u2');
      await attempt('3', 'u2', 'do_q3', 'a1', 1.1, 2.2);
      await enrol('3', 'u3');
      const { columns, rows } = await report('3');
      assert.deepEqual(columns, [...fixedColumns, 'do_q1 - Score', 'do_q2 - Score', 'do_q3 - Score']);
      assert.deepEqual(rows, [
        // Total over the best attempts: (0.7 + 2) / (1 + 6) = 38.57… → 39%.
        row('3', { user: 'u1', total: '39%', scores: ['70%', '34%', ''] }),
        row('3', { user: 'u2', total: '50%', scores: ['', '', '50%'] }),
        row('3', { user: 'u3', scores: ['', '', ''] }),
      ]);
    });

    test('only active enrolments, and only attempts made in this batch', async () => {
      await course('4', { assessments: [{ id: 'do_q1', name: 'Quiz' }] });
      await insertBatch(database.db, { id: 'b-4-other', collection_id: 'c-4', name: 'Other' });
      await enrol('4', 'u1');
      await enrol('4', 'u2', { active: 0, completed_on: '2024-02-01' });
      await attempt('4', 'u1', 'do_q1', 'a1', 1, 4);
      await insertAttempt(database.db, { user_id: 'u1', batch_id: 'b-4-other', collection_id: 'c-4', content_id: 'do_q1', attempt_id: 'a2', total_score: 4, total_max_score: 4 });
      assert.deepEqual((await report('4')).rows, [row('4', { user: 'u1', total: '25%', scores: ['25%'] })]);
    });

    test('best attempts stay with their learner across chunks, past learners left out and odd ids', async () => {
      await course('6', { assessments: [{ id: 'do_a', name: 'A' }, { id: 'do_b', name: 'B' }] });
      // Ids whose order differs between UTF-16 code units and code points (U+FF5E against U+1F393),
      // so that both engines' text order is met; 700 learners cross several chunks.
      const ids = ['\u{1F393}-astral', '\uFF5E-fullwidth', ...Array.from({ length: 700 }, (_, i) => `u${String(i).padStart(4, '0')}`)];
      const expected = new Map<string, string[]>();
      for (const [i, id] of ids.entries()) {
        await insertUser(database.db, { id, root_org_id: i % 3 === 0 ? 'channel-b' : 'channel-a' });
        // Every 5th enrolment is inactive: its attempts lie between reported learners' and must not shift them.
        await enrol('6', id, { active: i % 5 === 4 ? 0 : 1 });
        if (i % 4 === 1) continue; // no attempt at all
        await attempt('6', id, 'do_a', `a-${i}-1`, i % 7, 10, '2024-01-20T10:00:00Z');
        await attempt('6', id, 'do_a', `a-${i}-2`, (i % 7) + 1, 10, '2024-01-10T10:00:00Z');
        if (i % 2 === 0) await attempt('6', id, 'do_b', `b-${i}`, 1, 4);
        await attempt('6', id, 'do_zz', `z-${i}`, 9, 9); // not an assessment
        if (i % 5 !== 4) expected.set(id, [`${(i % 7) + 1}0%`, i % 2 === 0 ? '25%' : '']);
      }
      const { rows } = await report('6');
      const byUser = new Map(rows.map((r) => [r[4] as string, r.slice(-2)]));
      assert.equal(rows.length, ids.filter((_, i) => i % 5 !== 4).length);
      for (const [i, id] of ids.entries()) {
        if (i % 5 === 4) continue;
        assert.deepEqual(byUser.get(id), expected.get(id) ?? ['', ''], id);
      }
      // Another org's report: only its users, each with their own scores.
      const other = await report('6', 'channel-b');
      for (const r of other.rows) assert.deepEqual(r.slice(-2), expected.get(r[4] as string) ?? ['', ''], String(r[4]));
      assert.equal(other.rows.length, ids.filter((_, i) => i % 3 === 0 && i % 5 !== 4).length);
    });

    test('another channel sees only the users of its own root org', async () => {
      await course('5');
      await insertUser(database.db, { id: 'o1', root_org_id: 'channel-a' });
      await insertUser(database.db, { id: 'o2', root_org_id: 'channel-b' });
      await insertUser(database.db, { id: 'o3', root_org_id: 'channel-b' });
      for (const user of ['o1', 'o2', 'o3', 'o4']) await enrol('5', user); // o4 has no profile at all
      assert.deepEqual((await report('5', 'channel-a')).rows.map((r) => r[4]), ['o1', 'o2', 'o3', 'o4']);
      assert.deepEqual((await report('5', 'channel-b')).rows.map((r) => r[4]), ['o2', 'o3']);
    });
  });
}

describe('progress: completed contents counted from content_status', () => {
  // The scan of the importer's own form must count as JSON.parse does, and anything else must fall
  // back to it: a repeated key counts once, with its last value; a status given as text counts.
  const cases: Array<[string, number]> = [
    ['{}', 0], ['{"a":2}', 1], ['{"a":2,"b":1,"c":2}', 2], ['{"a":0,"b":1}', 0],
    ['{"a":2,"a":1}', 0], ['{"a":1,"a":2}', 1], ['{"a":2,"\\u0061":2}', 1], ['{"a\\"b":2}', 1],
    ['{"a":"2","b":1}', 1], ['{"a":2.0}', 1], ['{"a":22}', 0], ['{"a": 2}', 1], ['{"a":2,}', 0],
    ['{"a":[2]}', 1], ['{"a":{"b":2}}', 0], ['[2,2]', 2], ['"2"', 0], ['2', 0], ['not json 2', 0], ['', 0], ['{"a":2', 0],
  ];
  for (const [text, expected] of cases) {
    test(`${text} → ${expected}`, () => assert.equal(completedContents(text), expected));
  }
  test('as many keys as the scan tracks, and more', () => {
    for (const n of [63, 64, 65, 200]) {
      const text = JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`do_${i}`, i % 3])));
      const done = Array.from({ length: n }, (_, i) => i % 3).filter((status) => status === 2).length;
      assert.equal(completedContents(text), done);
    }
  });
});

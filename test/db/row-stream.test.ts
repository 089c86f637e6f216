import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { after, before, describe, test } from 'node:test';
import { dialects, type TestDatabase } from '../helpers/databases.js';

for (const dialect of dialects) {
  describe(`row stream (${dialect.name})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await dialect.open({ poolSize: 2 });
      for (let i = 0; i < 25; i++) {
        await database.db.insertInto('consumer_channel').values({ consumer_id: `c${String(i).padStart(2, '0')}`, channel: `ch-${i}`, status: 1, created_on: i, updated_on: i }).execute();
      }
    });
    after(() => database.drop());

    const query = () => database.db.selectFrom('consumer_channel').select(['consumer_id', 'created_on']).orderBy('consumer_id').compile();

    test('rows come as arrays in select order, in chunks of at most the size asked', async () => {
      const chunks: Array<Array<[string, number]>> = [];
      for await (const chunk of database.streamRows<[string, number]>(query(), 10)) chunks.push(chunk);
      assert.deepEqual(chunks.map((c) => c.length), [10, 10, 5]);
      assert.deepEqual(chunks[0]![3], ['c03', 3]);
      assert.deepEqual(chunks.flat().map((r) => r[0]), Array.from({ length: 25 }, (_, i) => `c${String(i).padStart(2, '0')}`));
    });

    test('a stream left early closes its query and gives its connection back', async () => {
      // Twice the pool: a connection kept by an abandoned stream would make this wait forever.
      for (let i = 0; i < 4; i++) {
        for await (const chunk of database.streamRows(query(), 3)) {
          assert.equal(chunk.length, 3);
          break;
        }
      }
      // A write on the same connection: SQLite refuses it while a statement is still being read.
      await database.db.insertInto('consumer_channel').values({ consumer_id: 'late', channel: 'ch', status: 1, created_on: 0, updated_on: 0 }).execute();
      await database.db.deleteFrom('consumer_channel').where('consumer_id', '=', 'late').execute();
      const { rows } = await sql<{ n: number }>`select count(*) as n from consumer_channel`.execute(database.db);
      assert.equal(Number(rows[0]!.n), 25);
    });

    test('a failing query rejects with the database error, and the next one works', async () => {
      const bad = sql`select no_such_column from consumer_channel`.compile(database.db);
      await assert.rejects(async () => {
        for await (const chunk of database.streamRows(bad, 5)) void chunk;
      }, /no_such_column/);
      let n = 0;
      for await (const chunk of database.streamRows(query(), 7)) n += chunk.length;
      assert.equal(n, 25);
    });
  });
}

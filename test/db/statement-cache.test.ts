import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { connectDatabase, withStatementCache } from '../../src/db/connect.js';

// SQLite only: PostgreSQL has no client-side statements to keep.
describe('SQLite statement cache', () => {
  let sqlite: SQLite.Database;
  let prepared: string[];

  beforeEach(() => {
    sqlite = new SQLite(':memory:');
    sqlite.exec('create table t (n integer); insert into t values (1), (2), (3)');
    prepared = [];
    const prepare = sqlite.prepare.bind(sqlite);
    sqlite.prepare = ((text: string) => {
      prepared.push(text);
      return prepare(text);
    }) as typeof sqlite.prepare;
  });
  afterEach(() => {
    if (sqlite.open) sqlite.close();
  });

  test('prepares a SQL text once and reuses the statement', () => {
    const db = withStatementCache(sqlite);
    const first = db.prepare('select n from t where n > ?');
    assert.deepEqual(first.all([1]), [{ n: 2 }, { n: 3 }]);
    const again = db.prepare('select n from t where n > ?');
    assert.equal(again, first);
    assert.deepEqual(again.all([2]), [{ n: 3 }]);
    assert.deepEqual(prepared, ['select n from t where n > ?']);
  });

  test('a statement still being iterated is not handed out: the caller gets a fresh one', () => {
    const db = withStatementCache(sqlite);
    const streaming = db.prepare('select n from t order by n');
    const rows = streaming.iterate([]);
    assert.deepEqual(rows.next().value, { n: 1 });
    const meanwhile = db.prepare('select n from t order by n');
    assert.notEqual(meanwhile, streaming);
    assert.deepEqual(meanwhile.all([]), [{ n: 1 }, { n: 2 }, { n: 3 }]);
    // The iteration goes on undisturbed, and once it ends the cached statement is used again.
    assert.deepEqual([...rows], [{ n: 2 }, { n: 3 }]);
    assert.equal(db.prepare('select n from t order by n'), streaming);
    assert.equal(prepared.length, 2);
  });

  test('evicts the least recently used statement past its size', () => {
    const db = withStatementCache(sqlite, 2);
    const a = db.prepare('select 1 as a');
    db.prepare('select 2 as b');
    assert.equal(db.prepare('select 1 as a'), a, 'a is now the most recently used');
    db.prepare('select 3 as c'); // evicts b
    assert.equal(db.prepare('select 1 as a'), a);
    db.prepare('select 2 as b');
    assert.deepEqual(prepared, ['select 1 as a', 'select 2 as b', 'select 3 as c', 'select 2 as b']);
  });

  test('a cached statement sees columns added after it was prepared', () => {
    const db = withStatementCache(sqlite);
    assert.deepEqual(db.prepare('select * from t where n = ?').all([1]), [{ n: 1 }]);
    sqlite.exec("alter table t add column label text default 'x'");
    assert.deepEqual(db.prepare('select * from t where n = ?').all([1]), [{ n: 1, label: 'x' }]);
  });

  test('close() closes the database', () => {
    const db = withStatementCache(sqlite);
    db.prepare('select 1');
    db.close();
    assert.equal(sqlite.open, false);
  });
});

describe('SQLite statement cache through Kysely', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'exhaust-stmt-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('repeated queries, writes and an abandoned stream all answer correctly', async () => {
    const { db, close } = connectDatabase({ dialect: 'sqlite', url: join(dir, 'x.db') });
    try {
      await sql`create table t (n integer)`.execute(db);
      for (let n = 1; n <= 5; n++) await sql`insert into t values (${n})`.execute(db);
      const above = (n: number) => sql<{ n: number }>`select n from t where n > ${n} order by n`.execute(db);
      assert.deepEqual((await above(3)).rows, [{ n: 4 }, { n: 5 }]);
      assert.deepEqual((await above(4)).rows, [{ n: 5 }]);
      // A stream left after its first row releases its statement; the same SQL then runs again.
      const stream = db.selectFrom('t' as never).select(sql<number>`n`.as('n')).orderBy(sql`n`).stream();
      for await (const row of stream) {
        assert.deepEqual(row, { n: 1 });
        break;
      }
      const all = await db.selectFrom('t' as never).select(sql<number>`n`.as('n')).orderBy(sql`n`).execute();
      assert.equal(all.length, 5);
    } finally {
      await close();
    }
  });
});

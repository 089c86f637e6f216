// Queries of the API's hot paths, built and compiled by Kysely once per database, then run with
// fresh values. Building and compiling a query cost ~10 µs per statement, up to ~90 µs for a
// list page (its count subquery and fourteen columns): as much as running it. Values stay bound
// parameters, so the SQL text is the same every time and SQLite's statement cache keeps it prepared.
// On SQLite they also skip Kysely's executor when they can (see runDirectly).
import type SQLite from 'better-sqlite3';
import { type Compilable, type CompiledQuery, type Kysely, type OperationNode, type QueryResult, ReferenceNode, type RootOperationNode, SelectAllNode } from 'kysely';
import type { Tables } from './database.js';

/** Stands for the value named `name` in the compiled parameters, until a run supplies it. */
class Slot {
  constructor(readonly name: string) {}
}

/** Every property read gives the Slot of that name: what the builder sees instead of values. */
const slots = new Proxy({}, { get: (_target, name) => new Slot(String(name)) });

interface Prepared<R> {
  compiled: CompiledQuery<R>;
  /** Per parameter: the name of a run's value, or the constant the builder gave. */
  sources: ({ name: string } | { constant: unknown })[];
  /** SQLite: the connection and this query's own statement on it. */
  direct?: Direct;
}

interface Direct {
  sqlite: SQLite.Database;
  /** Raw (rows as arrays) when the statement returns rows. */
  statement: SQLite.Statement;
  /** Result column names, in order: the keys of a row object. */
  columns: string[];
}

/** SQLite connections by their Kysely instance, registered by connectDatabase. */
const sqliteConnections = new WeakMap<Kysely<Tables>, SQLite.Database>();

export function registerSqliteConnection(db: Kysely<Tables>, sqlite: SQLite.Database): void {
  sqliteConnections.set(db, sqlite);
}

/**
 * `build(db, values)` names its values as properties of `values` (`.where('tag', '=', v.tag)`);
 * the returned function runs the query with a run's values. Only plain values may be named, not
 * expressions or lists: each must be one bound parameter. The columns must be named too, not `*`:
 * on SQLite a row's keys are the names read when the statement was prepared, and SQLite
 * re-prepares a `*` by itself when another process adds or drops a column, shifting its values
 * under those names. A named column that is dropped or renamed makes the statement fail instead.
 */
export function preparedQuery<V extends object, R>(build: (db: Kysely<Tables>, values: V) => Compilable<R>) {
  // Keyed by database: SQLite and PostgreSQL compile the same builder to different SQL.
  const byDatabase = new WeakMap<Kysely<Tables>, Prepared<R>>();
  return (db: Kysely<Tables>, values: V): Promise<QueryResult<R>> => {
    let prepared = byDatabase.get(db);
    if (!prepared) {
      const compiled = build(db, slots as V).compile();
      if (selectsAll(compiled.query)) throw new Error(`a prepared query must name its columns, not select *: ${compiled.sql}`);
      const sources = compiled.parameters.map((p) => (p instanceof Slot ? { name: p.name } : { constant: p }));
      const sqlite = sqliteConnections.get(db);
      prepared = { compiled, sources, ...(sqlite ? { direct: directStatement(sqlite, compiled.sql) } : {}) };
      byDatabase.set(db, prepared);
    }
    const parameters = prepared.sources.map((s) => ('name' in s ? values[s.name as keyof V] : s.constant));
    if (prepared.direct && !prepared.direct.sqlite.inTransaction) return runDirectly<R>(prepared.direct, parameters);
    return db.executeQuery({ ...prepared.compiled, parameters });
  };
}

interface SelectionsNode {
  selections?: ReadonlyArray<{ selection: OperationNode }>;
  returning?: { selections: ReadonlyArray<{ selection: OperationNode }> };
}

/** Whether the rows of a query are `*` or `t.*` (a `*` inside, as in count(*), is a value's). */
function selectsAll(query: RootOperationNode): boolean {
  const node = query as SelectionsNode;
  const selections = node.selections ?? node.returning?.selections ?? [];
  return selections.some(({ selection }) => SelectAllNode.is(selection) || (ReferenceNode.is(selection) && SelectAllNode.is(selection.column)));
}

function directStatement(sqlite: SQLite.Database, sql: string): Direct {
  const statement = sqlite.prepare(sql);
  if (!statement.reader) return { sqlite, statement, columns: [] };
  return { sqlite, statement: statement.raw(true), columns: statement.columns().map((c) => c.name) };
}

/**
 * Runs a statement at once, as Kysely's SQLite driver would but without its executor (the lock of
 * its one connection, the result transformation, their asynchronous steps), and reads rows as
 * arrays, made into objects here: better-sqlite3 builds a row object ~1.6× slower than an array and
 * this loop together, which made a list page's ten rows cost more than its query. Safe only outside
 * a transaction: better-sqlite3 is synchronous, so nothing else runs meanwhile, and the statement
 * commits by itself. Inside one (another caller's transaction is open on the connection between its
 * awaits) the query waits its turn through Kysely instead, so it never becomes part of that
 * transaction.
 */
function runDirectly<R>({ statement, columns }: Direct, parameters: unknown[]): Promise<QueryResult<R>> {
  try {
    if (!statement.reader) {
      const { changes, lastInsertRowid } = statement.run(parameters);
      return Promise.resolve({ rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) });
    }
    const rows = statement.all(parameters) as unknown[][];
    const objects = new Array<R>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      const object: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) object[columns[i]!] = row[i];
      objects[r] = object as R;
    }
    return Promise.resolve({ rows: objects });
  } catch (error) {
    return Promise.reject(error);
  }
}

// Queries of the API's hot paths, built and compiled by Kysely once per database, then run with
// fresh values. Building and compiling a query cost ~10 µs per statement, up to ~90 µs for a
// list page (its count subquery and fourteen columns): as much as running it. Values stay bound
// parameters, so the SQL text is the same every time and SQLite's statement cache keeps it prepared.
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
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
}

/**
 * `build(db, values)` names its values as properties of `values` (`.where('tag', '=', v.tag)`);
 * the returned function runs the query with a run's values. Only plain values may be named, not
 * expressions or lists: each must be one bound parameter.
 */
export function preparedQuery<V extends object, R>(build: (db: Kysely<Tables>, values: V) => Compilable<R>) {
  // Keyed by database: SQLite and PostgreSQL compile the same builder to different SQL.
  const byDatabase = new WeakMap<Kysely<Tables>, Prepared<R>>();
  return (db: Kysely<Tables>, values: V): Promise<QueryResult<R>> => {
    let prepared = byDatabase.get(db);
    if (!prepared) {
      const compiled = build(db, slots as V).compile();
      const sources = compiled.parameters.map((p) => (p instanceof Slot ? { name: p.name } : { constant: p }));
      prepared = { compiled, sources };
      byDatabase.set(db, prepared);
    }
    const parameters = prepared.sources.map((s) => ('name' in s ? values[s.name as keyof V] : s.constant));
    return db.executeQuery({ ...prepared.compiled, parameters });
  };
}

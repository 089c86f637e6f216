import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { preparedQuery } from '../../src/db/prepared-query.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

const COLUMNS = ['consumer_id', 'channel', 'status', 'created_on', 'updated_on'] as const;
const byConsumer = preparedQuery((db, v: { consumerId: string }) =>
  db.selectFrom('consumer_channel').select(COLUMNS).where('consumer_id', '=', v.consumerId).orderBy('channel'),
);
const revoke = preparedQuery((db, v: { consumerId: string; now: number }) =>
  db.updateTable('consumer_channel').set({ status: 0, updated_on: v.now }).where('consumer_id', '=', v.consumerId),
);
const addReturning = preparedQuery((db, v: { consumerId: string; channel: string }) =>
  db.insertInto('consumer_channel').values({ consumer_id: v.consumerId, channel: v.channel, status: 1, created_on: 7, updated_on: 7 }).returning(['consumer_id', 'channel', 'status']),
);

for (const dialect of dialects) {
  describe(`prepared query (${dialect.name})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await dialect.open();
      await database.db
        .insertInto('consumer_channel')
        .values([
          { consumer_id: 'portal', channel: 'ch-b', status: 1, created_on: 1, updated_on: 2 },
          { consumer_id: 'portal', channel: 'ch-a', status: 0, created_on: 3, updated_on: 4 },
          { consumer_id: 'other', channel: 'ch-a', status: 1, created_on: 5, updated_on: 6 },
        ])
        .execute();
    });
    after(() => database.drop());

    test('rows are the objects Kysely returns for the same query, run after run with new values', async () => {
      for (const consumerId of ['portal', 'other', 'nobody', 'portal']) {
        const expected = await database.db.selectFrom('consumer_channel').select(COLUMNS).where('consumer_id', '=', consumerId).orderBy('channel').execute();
        const { rows } = await byConsumer(database.db, { consumerId });
        assert.deepEqual(rows, expected);
      }
      const { rows } = await byConsumer(database.db, { consumerId: 'portal' });
      assert.deepEqual(rows[0], { consumer_id: 'portal', channel: 'ch-a', status: 0, created_on: 3, updated_on: 4 });
    });

    test('a query selecting * is refused when first run; a * inside (count(*)) is a value and allowed', async () => {
      const everything = preparedQuery((db, v: { consumerId: string }) => db.selectFrom('consumer_channel').selectAll().where('consumer_id', '=', v.consumerId));
      await assert.rejects(async () => everything(database.db, { consumerId: 'portal' }), /must name its columns/);
      const ofTable = preparedQuery((db, v: { consumerId: string }) => db.selectFrom('consumer_channel').selectAll('consumer_channel').where('consumer_id', '=', v.consumerId));
      await assert.rejects(async () => ofTable(database.db, { consumerId: 'portal' }), /must name its columns/);
      const returningAll = preparedQuery((db, v: { consumerId: string }) =>
        db.updateTable('consumer_channel').set({ updated_on: 2 }).where('consumer_id', '=', v.consumerId).returningAll(),
      );
      await assert.rejects(async () => returningAll(database.db, { consumerId: 'portal' }), /must name its columns/);
      const counted = preparedQuery((db, v: { consumerId: string }) =>
        db.selectFrom('consumer_channel').select((eb) => eb.fn.countAll<number>().as('n')).where('consumer_id', '=', v.consumerId),
      );
      assert.equal(Number((await counted(database.db, { consumerId: 'portal' })).rows[0]!.n), 2);
    });

    test('writes report the rows they changed; RETURNING gives the row', async () => {
      const updated = await revoke(database.db, { consumerId: 'other', now: 9 });
      assert.equal(updated.numAffectedRows, 1n);
      const inserted = await addReturning(database.db, { consumerId: 'fresh', channel: 'ch-z' });
      assert.deepEqual(inserted.rows, [{ consumer_id: 'fresh', channel: 'ch-z', status: 1 }]);
      await assert.rejects(addReturning(database.db, { consumerId: 'fresh', channel: 'ch-z' }), /unique|UNIQUE|duplicate/);
    });

    test('a query made while another caller holds a transaction open is never part of it', async () => {
      let inside!: () => void;
      const opened = new Promise<void>((resolve) => (inside = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const transaction = database.db
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto('consumer_channel').values({ consumer_id: 'uncommitted', channel: 'ch', status: 1, created_on: 0, updated_on: 0 }).execute();
          inside();
          await released;
          throw new Error('rolled back');
        })
        .catch((error: Error) => error.message);
      await opened;
      // SQLite has one connection: the query must wait for the transaction to end, not read inside it.
      const seen = byConsumer(database.db, { consumerId: 'uncommitted' });
      release();
      assert.deepEqual((await seen).rows, []);
      assert.equal(await transaction, 'rolled back');
      assert.deepEqual((await byConsumer(database.db, { consumerId: 'uncommitted' })).rows, []);
    });
  });
}

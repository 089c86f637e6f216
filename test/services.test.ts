// The composition root: the secret it generates, the keys it derives, the connections it opens by
// role and closes again.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { closeServices, keysOf, openServices, secretOf } from '../src/services.js';
import { deriveKey } from '../src/secrets.js';
import { databaseUrlOf } from './helpers/cli.js';
import { dialects } from './helpers/databases.js';

describe('composition root', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exhaust-services-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the secret is generated once into the data dir, private, and reused', () => {
    const config = loadConfig({ EXHAUST_DATA_DIR: join(dir, 'generated') });
    const first = secretOf(config);
    assert.equal(first.length, 64);
    assert.equal(readFileSync(join(config.dataDir, 'secret'), 'utf8').trim(), first);
    assert.equal(statSync(join(config.dataDir, 'secret')).mode & 0o777, 0o600);
    assert.equal(secretOf(config), first);
  });

  test('EXHAUST_SECRET wins, and each purpose has its own key', () => {
    const secret = 'a-secret-of-at-least-thirty-two-characters';
    const keys = keysOf(loadConfig({ EXHAUST_DATA_DIR: join(dir, 'given'), EXHAUST_SECRET: secret }));
    assert.deepEqual(keys.storedKeys, deriveKey(secret, 'stored-keys'));
    assert.deepEqual(keys.signedUrls, deriveKey(secret, 'signed-urls'));
    assert.notDeepEqual(keys.storedKeys, keys.signedUrls);
  });

  for (const dialect of dialects) {
    test(`connections by role, closed by the root (${dialect.name})`, async () => {
      const database = await dialect.open();
      try {
        const config = loadConfig({ EXHAUST_DATA_DIR: join(dir, dialect.name), DATABASE_URL: databaseUrlOf(database) });
        const services = await openServices(config);
        const { main } = services.databases;
        if (dialect.name === 'postgres') {
          // One pool serves every role: each statement or stream takes a client of its own.
          assert.equal(services.databases.reports, main);
          assert.equal(services.databases.imports, main);
        } else {
          // SQLite: connections of their own, opened once at first use, the report one read-only.
          const reports = services.databases.reports;
          assert.notEqual(reports, main);
          assert.equal(services.databases.reports, reports);
          assert.notEqual(services.databases.imports, main);
          await assert.rejects(reports.db.insertInto('consumer_channel').values({ consumer_id: 'c', channel: 'ch', status: 1, created_on: 0, updated_on: 0 }).execute(), /readonly/);
        }
        await services.databases.imports.db.insertInto('consumer_channel').values({ consumer_id: 'c', channel: 'ch', status: 1, created_on: 0, updated_on: 0 }).execute();
        // What one role wrote, the others see.
        for (const role of [services.databases.reports, main]) {
          assert.deepEqual(await role.db.selectFrom('consumer_channel').select('consumer_id').execute(), [{ consumer_id: 'c' }]);
        }
        await closeServices(services);
        await assert.rejects(main.db.selectFrom('consumer_channel').select('consumer_id').execute(), 'the main connection is closed');
        await assert.rejects(services.databases.reports.db.selectFrom('consumer_channel').select('consumer_id').execute(), 'the report connection is closed');
      } finally {
        await database.drop();
      }
    });
  }

  test('a database the caller supplies stays open: it is the caller\'s to close', async () => {
    const database = await dialects[0]!.open();
    try {
      const config = loadConfig({ EXHAUST_DATA_DIR: join(dir, 'supplied'), DATABASE_URL: databaseUrlOf(database) });
      const services = await openServices(config, { database });
      assert.equal(services.databases.main, database);
      await closeServices(services);
      assert.deepEqual(await database.db.selectFrom('consumer_channel').select('consumer_id').execute(), []);
    } finally {
      await database.drop();
    }
  });
});

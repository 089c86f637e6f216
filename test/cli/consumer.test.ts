import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { databaseUrlOf, runExhaust } from '../helpers/cli.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

for (const dialect of dialects) {
  describe(`exhaust consumer (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;
    let env: Record<string, string>;
    before(async () => {
      database = await dialect.open();
      t = await startTestApp(database);
      env = { DATABASE_URL: databaseUrlOf(database), EXHAUST_DATA_DIR: mkdtempSync(join(tmpdir(), 'exhaust-cli-')) };
    });
    after(async () => {
      await t.close();
      await database.drop();
      rmSync(env.EXHAUST_DATA_DIR!, { recursive: true, force: true });
    });

    const list = () => t.app.inject({ method: 'GET', url: '/dataset/v1/request/list/tag-1', headers: channelHeaders('chan-x', 'gateway-7') });

    test('add lets a consumer act for several channels; remove revokes at once; list shows both', async () => {
      assert.equal((await list()).statusCode, 403);
      const added = await runExhaust(['consumer', 'add', 'gateway-7', 'chan-x'], env);
      assert.equal(added.code, 0, added.stderr);
      assert.match(added.stdout, /consumer gateway-7 may now act for channel chan-x/);
      assert.equal((await runExhaust(['consumer', 'add', 'gateway-7', 'chan-y'], env)).code, 0);
      assert.equal((await list()).statusCode, 200);
      const other = await t.app.inject({ method: 'GET', url: '/dataset/v1/request/list/tag-1', headers: channelHeaders('chan-y', 'gateway-7') });
      assert.equal(other.statusCode, 200);

      const removed = await runExhaust(['consumer', 'remove', 'gateway-7', 'chan-x'], env);
      assert.equal(removed.code, 0, removed.stderr);
      assert.equal((await list()).statusCode, 403, 'revocation takes effect at once');

      const listed = await runExhaust(['consumer', 'list'], env);
      assert.equal(listed.code, 0);
      assert.equal(listed.stdout, 'gateway-7\tchan-x\trevoked\ngateway-7\tchan-y\tactive\n');
    });

    test('removing a mapping that is not active exits 1', async () => {
      const res = await runExhaust(['consumer', 'remove', 'nobody', 'chan-x'], env);
      assert.equal(res.code, 1);
      assert.match(res.stdout, /had no active mapping/);
    });

    test('bad arguments exit 2 with one line', async () => {
      for (const args of [['consumer'], ['consumer', 'add', 'c'], ['consumer', 'add', 'c', 'bad:channel'], ['consumer', 'frobnicate']]) {
        const res = await runExhaust(args, env);
        assert.equal(res.code, 2, args.join(' '));
        assert.equal(res.stderr.trim().split('\n').length, 1);
        assert.match(res.stderr, /^exhaust: /);
      }
    });
  });
}

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { databaseUrlOf, runExhaust, spawnExhaust } from '../helpers/cli.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { rowOf } from './helpers.js';

for (const dialect of dialects) {
  describe(`exhaust worker (${dialect.name})`, () => {
    let database: TestDatabase;
    let dataDir: string;
    before(async () => {
      database = await dialect.open({ migrate: false });
      dataDir = mkdtempSync(join(tmpdir(), 'exhaust-worker-cli-'));
    });
    after(async () => {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    test('refuses to run on a schema that is not up to date', async () => {
      for (const command of ['worker', 'api']) {
        const res = await runExhaust([command], { DATABASE_URL: databaseUrlOf(database), EXHAUST_DATA_DIR: dataDir, PORT: '0' });
        assert.equal(res.code, 2, res.stderr);
        assert.match(res.stderr, /schema is not up to date .*run 'exhaust migrate' first/);
      }
    });

    test('claims and records requests, and on SIGTERM stops and exits 0', async () => {
      const env = { DATABASE_URL: databaseUrlOf(database), EXHAUST_DATA_DIR: dataDir, EXHAUST_WORKER_POLL_MS: '20' };
      assert.equal((await runExhaust(['migrate'], env)).code, 0);
      // A dataset no worker can build: the attempt fails and is scheduled again — proof the process claimed it.
      const now = Date.now();
      await database.db
        .insertInto('job_request')
        .values({
          tag: 't:ch1', request_id: 'CLI1', job_id: 'no-such-dataset', status: 'SUBMITTED', request_data: '{}', requested_by: '',
          requested_channel: 'ch1', output_format: 'csv', dt_job_submitted: now, iteration: 0, submission_attempts: 0,
          last_updated: now, next_attempt_at: now,
        })
        .execute();
      const child = spawnExhaust(['worker'], env);
      let log = '';
      child.stdout!.on('data', (d) => (log += d));
      child.stderr!.on('data', (d) => (log += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const deadline = Date.now() + 20_000;
      // Claimed (iteration counted) and its failure recorded (no longer PROCESSING).
      for (let r = await rowOf(database, 'CLI1'); r.iteration === 0 || r.status === 'PROCESSING'; r = await rowOf(database, 'CLI1')) {
        assert.ok(Date.now() < deadline, `the worker never claimed the request\n${log}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const row = await rowOf(database, 'CLI1');
      assert.equal(row.status, 'SUBMITTED');
      assert.equal(row.err_message, 'this worker cannot build dataset no-such-dataset');
      child.kill('SIGTERM');
      assert.equal(await exited, 0, log);
      assert.match(log, /"msg":"worker started"/);
      assert.match(log, /"msg":"worker stopped"/);
      assert.match(log, /"msg":"stopped"/);
      assert.doesNotMatch(log, /listening/);
    });
  });
}

// Many workers, each with its own pool (a composition root of its own, as a worker process has), against one PostgreSQL database: every request is built once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { closeServices, keysOf, openServices, type Services } from '../../src/services.js';
import { Worker } from '../../src/worker/worker.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { queueRequest, rowsOf, testBuilders } from './helpers.js';

const postgres = dialects.find((d) => d.name === 'postgres');

describe('4 workers racing for 50 requests (postgres)', { skip: postgres ? false : 'set TEST_DATABASE_URL' }, () => {
  let database: TestDatabase;
  let dataDir: string;
  const roots: Services[] = [];

  before(async () => {
    database = await postgres!.open();
    dataDir = mkdtempSync(join(tmpdir(), 'exhaust-race-'));
  });
  after(async () => {
    await Promise.all(roots.map((services) => closeServices(services)));
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('each request is claimed and built exactly once', async () => {
    const config = loadConfig({ EXHAUST_DATA_DIR: dataDir, DATABASE_URL: database.settings.url, EXHAUST_LOG_LEVEL: 'warn' });
    const ids = Array.from({ length: 50 }, (_, i) => `RACE${String(i).padStart(3, '0')}`);
    // All due at the same instant: the claims contend for the same rows.
    for (const requestId of ids) await queueRequest(database, keysOf(config).storedKeys, 1000, { requestId });

    const builds = new Map<string, number>();
    const byWorker = new Map<string, number>();
    const warnings: string[] = [];
    const logger = createLogger('warn', new Writable({ write: (chunk, _e, done) => (warnings.push(String(chunk)), done()) }));
    for (let n = 0; n < 4; n++) roots.push(await openServices(config, { logger }));
    const workers = roots.map((services, n) => {
      return new Worker(
        {
          ...services,
          builders: testBuilders(async function* (_ctx, request) {
            builds.set(request.requestId, (builds.get(request.requestId) ?? 0) + 1);
            byWorker.set(`w${n}`, (byWorker.get(`w${n}`) ?? 0) + 1);
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
            yield { batchId: 'b1', columns: ['n'], rows: rowsOf([[1]]) };
          }),
        },
        { id: `w${n}`, concurrency: 3, pollMs: 10 },
      );
    });
    for (const w of workers) w.start();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const done = await database.db.selectFrom('job_request').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'SUCCESS').executeTakeFirstOrThrow();
      if (Number(done.n) === ids.length) break;
      assert.ok(Date.now() < deadline, `only ${done.n} of ${ids.length} requests succeeded`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await Promise.all(workers.map((w) => w.stop()));

    assert.deepEqual([...builds.keys()].sort(), ids);
    assert.deepEqual([...new Set(builds.values())], [1], `built more than once: ${JSON.stringify([...builds].filter(([, n]) => n > 1))}`);
    const rows = await database.db.selectFrom('job_request').select(['iteration', 'lease_owner']).execute();
    assert.ok(rows.every((r) => r.iteration === 1 && r.lease_owner === null));
    // The work was shared: more than one worker claimed requests.
    assert.ok(byWorker.size > 1, JSON.stringify([...byWorker]));
    assert.deepEqual(warnings, []);
  });
});

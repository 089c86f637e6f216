import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { databaseUrlOf, runExhaust, spawnExhaust } from '../helpers/cli.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { freePort } from '../helpers/ports.js';

async function waitForHealth(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the service did not become healthy');
}

for (const dialect of dialects) {
  describe(`exhaust start (${dialect.name})`, () => {
    let database: TestDatabase;
    let dataDir: string;
    before(async () => {
      database = await dialect.open({ migrate: false });
      dataDir = mkdtempSync(join(tmpdir(), 'exhaust-start-'));
    });
    after(async () => {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    test('migrates, serves, and on SIGTERM finishes the in-flight request then exits 0', async () => {
      const port = await freePort();
      const child = spawnExhaust(['start'], { DATABASE_URL: databaseUrlOf(database), EXHAUST_DATA_DIR: dataDir, PORT: String(port), EXHAUST_DEMO: '0' });
      let log = '';
      child.stdout!.on('data', (d) => (log += d));
      child.stderr!.on('data', (d) => (log += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      await waitForHealth(port).catch((error: Error) => {
        child.kill('SIGKILL');
        throw new Error(`${error.message}; its output:\n${log}`);
      });

      // An in-flight request: headers and half the body sent before the signal.
      const body = JSON.stringify({ request: { tag: 't', dataset: 'progress-exhaust', datasetConfig: { batchId: 'b' } } });
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.on('connect', resolve));
      let response = '';
      socket.on('data', (d) => (response += d));
      socket.write(`POST /health HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
      await new Promise((r) => setTimeout(r, 200));
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      socket.end(body.slice(10));
      const code = await exited;
      assert.equal(code, 0, log);
      // The request was answered (404: /health takes no POST) rather than cut.
      assert.match(response, /^HTTP\/1\.1 404/);
      assert.match(log, /EXHAUST_ADMIN_TOKEN is unset: the internal routes .* refuse every call/, 'an operator is told the admin routes are closed');
      assert.match(log, /shutting down/);
      assert.match(log, /"msg":"stopped"/);
    });

    test('a bad setting stops start-up with one line naming the variable', async () => {
      const res = await runExhaust(['start'], { DATABASE_URL: databaseUrlOf(database), EXHAUST_DATA_DIR: dataDir, PORT: 'x' });
      assert.equal(res.code, 2);
      assert.equal(res.stderr, 'exhaust: PORT="x" is not an integer between 0 and 65535\n');
    });

    test('migrate is idempotent', async () => {
      const env = { DATABASE_URL: databaseUrlOf(database), EXHAUST_DATA_DIR: dataDir };
      const res = await runExhaust(['migrate'], env);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, 'schema is up to date\n');
    });
  });
}

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dialects, type TestDatabase } from '../helpers/databases.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const jsonl = (...records: unknown[]) => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `exhaust import <args>` as a user runs it, against `database`. */
function exhaustImport(database: TestDatabase, dataDir: string, args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, EXHAUST_DATA_DIR: dataDir };
  env.DATABASE_URL = database.settings.dialect === 'postgres' ? database.settings.url : `sqlite:${database.settings.url}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/exhaust.js', 'import', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

for (const dialect of dialects) {
  describe(`exhaust import (${dialect.name})`, () => {
    let database: TestDatabase;
    let work: string;
    const folder = (name: string, files: Record<string, string>) => {
      const dir = join(work, name);
      mkdirSync(dir, { recursive: true });
      for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
      return dir;
    };

    before(async () => {
      // Not migrated: the command migrates first, as every command that touches the database does.
      database = await dialect.open({ migrate: false });
      work = mkdtempSync(join(tmpdir(), 'exhaust-import-'));
    });
    after(async () => {
      await database.drop();
      rmSync(work, { recursive: true, force: true });
    });

    test('imports every file in dependency order and prints one summary line', async () => {
      const dir = folder('good', {
        'users.jsonl': jsonl({ id: 'u1', firstName: 'Asha' }, { id: 'u2' }, { id: 'u3' }),
        'collections.jsonl': jsonl({ id: 'c1', userConsent: 'No' }),
        'batches.jsonl': jsonl({ id: 'b1', collectionId: 'c1' }, { id: 'b2', collectionId: 'c1' }),
        'enrolments.jsonl': jsonl({ userId: 'u1', batchId: 'b1', collectionId: 'c1' }),
        'attempts.jsonl': jsonl({ userId: 'u1', batchId: 'b1', collectionId: 'c1', contentId: 'q', attemptId: 'a1' }, { userId: 'u1', batchId: 'b1', collectionId: 'c1', contentId: 'q', attemptId: 'a2' }),
        'consents.jsonl': jsonl({ userId: 'u1', objectId: 'c1', consumerId: 'org', status: 'Active' }),
        'notes.txt': 'not a record file',
      });
      const run = await exhaustImport(database, join(work, 'data'), [dir]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim(), 'imported users=3 collections=1 batches=2 enrolments=1 attempts=2 consents=1');
      assert.equal(run.stderr, '', 'no progress bar when stderr is not a terminal');
      const users = await database.db.selectFrom('record_user').select(['id', 'first_name']).orderBy('id').execute();
      assert.deepEqual(users, [{ id: 'u1', first_name: 'Asha' }, { id: 'u2', first_name: null }, { id: 'u3', first_name: null }]);
      const consent = await database.db.selectFrom('record_consent').select('status').executeTakeFirstOrThrow();
      assert.equal(consent.status, 'ACTIVE');
      if (dialect.name === 'postgres') {
        // Vacuumed as well as analyzed: the pages are all-visible, so reports can read indexes alone.
        const { rows } = await sql<{ relallvisible: number }>`select relallvisible from pg_class where oid = to_regclass('record_attempt')`.execute(database.db);
        assert.ok(Number(rows[0]?.relallvisible) > 0, 'record_attempt was vacuumed after the import');
      }
    });

    test('a bad line rejects its file only, is printed as file:line, and exits 1', async () => {
      const dir = folder('bad', {
        'users.jsonl': jsonl({ id: 'u1', firstName: 'Changed' }, { id: 'u4' }),
        'batches.jsonl': jsonl({ id: 'b3', collectionId: 'c1' }, '', { id: 'b4' }, '{oops', { id: 'b5', collectionId: 'c1' }),
        'consents.jsonl': jsonl({ userId: 'u4', objectId: 'c1', consumerId: 'org', status: 'no' }),
      });
      const run = await exhaustImport(database, join(work, 'data'), [dir]);
      assert.equal(run.code, 1);
      assert.equal(run.stdout.trim(), 'imported users=2 batches=rejected consents=rejected');
      const errors = run.stderr.trim().split('\n');
      assert.equal(errors.length, 3, run.stderr);
      assert.equal(errors[0], 'batches.jsonl:3: collectionId is required');
      assert.match(errors[1]!, /^batches\.jsonl:4: invalid JSON/);
      assert.equal(errors[2], 'consents.jsonl:1: status must be one of ACTIVE, REVOKED');

      const batches = await database.db.selectFrom('record_batch').select('id').where('id', 'in', ['b3', 'b4', 'b5']).execute();
      assert.deepEqual(batches, [], 'nothing of batches.jsonl applied');
      const users = await database.db.selectFrom('record_user').select(['id', 'first_name']).where('id', 'in', ['u1', 'u4']).orderBy('id').execute();
      assert.deepEqual(users, [{ id: 'u1', first_name: 'Changed' }, { id: 'u4', first_name: null }], 'users.jsonl of the same import applied');
    });

    test('usage errors exit 2', async () => {
      const data = join(work, 'data');
      const none = await exhaustImport(database, data, []);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /usage: exhaust import <dir>/);
      const missing = await exhaustImport(database, data, [join(work, 'no-such-dir')]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /is not a directory/);
      const empty = await exhaustImport(database, data, [folder('empty', { 'users.json': '{}' })]);
      assert.equal(empty.code, 2);
      assert.match(empty.stderr, /no record files in .*; expected any of users\.jsonl/);
    });
  });
}

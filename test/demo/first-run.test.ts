import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import { addConsumerChannel } from '../../src/auth/consumer-channel.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { formatDemoSession } from '../../src/demo/demo-session.js';
import { FIRST_RUN_DEMO, holdsNoData, loadDemoIfEmpty } from '../../src/demo/first-run.js';
import { progressDataset } from '../../src/datasets/progress/progress.dataset.js';
import { upsertRequest } from '../../src/requests/request.repository.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { drain, insertUser } from '../helpers/collection-records.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

const work = mkdtempSync(join(tmpdir(), 'exhaust-first-run-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A curl command of the session text → what it would send. */
function parseCurl(command: string): { url: URL; headers: Record<string, string>; body?: unknown } {
  const url = /curl -s (?:-o \S+ )?'?(http[^\s']+)'?/.exec(command)?.[1];
  assert.ok(url, `no URL in ${command}`);
  const headers = Object.fromEntries([...command.matchAll(/-H '([^:]+): ([^']*)'/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
  const data = /-d '(.*)'/.exec(command)?.[1];
  return { url: new URL(url), headers, body: data === undefined ? undefined : JSON.parse(data) };
}

/** The shell commands of the text: lines from `curl`/`7z` on, with `\` continuations joined. */
function commandsOf(text: string): string[] {
  return text.replace(/\\\n\s*/g, '').split('\n').filter((line) => /^(curl|7z) /.test(line));
}

const countOf = async (database: TestDatabase, table: 'record_user' | 'record_batch' | 'record_collection' | 'record_enrolment' | 'record_attempt' | 'record_consent' | 'consumer_channel') =>
  Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

for (const dialect of dialects) {
  describe(`first-run demo (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;
    beforeEach(async () => {
      database = await dialect.open();
      t = await startTestApp(database);
    });
    afterEach(async () => {
      await t.close();
      await database.drop();
    });

    test('loads into an empty database, and the printed submit and read work as printed', async () => {
      assert.equal(await holdsNoData(database.db), true);
      const session = await loadDemoIfEmpty(t.services);
      assert.ok(session);
      assert.equal(await countOf(database, 'record_user'), FIRST_RUN_DEMO.learners);
      assert.equal(await countOf(database, 'record_enrolment'), FIRST_RUN_DEMO.learners);
      assert.equal(await countOf(database, 'record_batch'), 3);
      assert.equal(await countOf(database, 'record_collection'), 2);
      assert.ok((await countOf(database, 'record_attempt')) > FIRST_RUN_DEMO.learners);
      assert.ok((await countOf(database, 'record_consent')) > 0);
      assert.equal(await countOf(database, 'consumer_channel'), 1);

      const text = formatDemoSession(session);
      const [submitCurl, readCurl, pasteCurl, oneLiner, unzip] = commandsOf(text);
      const submit = parseCurl(submitCurl!);
      assert.equal(submit.url.origin, t.config.publicUrl);
      const submitted = await t.app.inject({ method: 'POST', url: submit.url.pathname, headers: submit.headers, payload: submit.body as object });
      assert.equal(submitted.statusCode, 200, submitted.body);
      const job = submitted.json().result;
      assert.equal(job.status, 'SUBMITTED');
      assert.equal(job.dataset, 'progress-exhaust');
      assert.equal(job.requestId, session.requestId, 'the printed read names the request the submit made');

      const read = parseCurl(readCurl!);
      const answer = await t.app.inject({ method: 'GET', url: read.url.pathname + read.url.search, headers: read.headers });
      assert.equal(answer.statusCode, 200, answer.body);
      assert.equal(answer.json().result.requestId, session.requestId);

      assert.match(pasteCurl!, /^curl -s -o demo-batch-1\.zip '<the link from downloadUrls>'$/);
      assert.ok(oneLiner!.includes(readCurl!) && oneLiner!.includes('downloadUrls[0]'), oneLiner);
      assert.equal(unzip, `7z x -p${session.encryptionKey} demo-batch-1.zip`);
      assert.equal(session.encryptionKey, (submit.body as { request: { encryptionKey: string } }).request.encryptionKey);
    });

    test('prints sign-in links for the mentor of demo-batch-1 and an org admin; each signs in once', async () => {
      const session = await loadDemoIfEmpty(t.services);
      const text = formatDemoSession(session!);
      const links = [...text.matchAll(/http:\/\/\S+\/signin\/link\?token=[\w-]+/g)].map((m) => new URL(m[0]));
      assert.equal(links.length, 2, text);
      const seen: string[][] = [];
      for (const link of links) {
        const opened = await t.app.inject({ method: 'GET', url: link.pathname + link.search });
        assert.equal(opened.statusCode, 303);
        const cookie = String(opened.headers['set-cookie']).split(';')[0]!;
        const batches = await t.app.inject({ method: 'GET', url: '/ui/api/batches', headers: { cookie } });
        seen.push(batches.json().result.batches.map((b: { id: string }) => b.id).sort());
        assert.equal((await t.app.inject({ method: 'GET', url: link.pathname + link.search })).statusCode, 403, 'used once');
      }
      assert.deepEqual(seen, [['demo-batch-1'], ['demo-batch-1', 'demo-batch-2', 'demo-batch-3']]);
    });

    test('the demo batch makes a real progress report: scores, completions, certificates', async () => {
      const session = await loadDemoIfEmpty(t.services);
      const [report] = await drain(progressDataset, database, { datasetConfig: { batchId: session!.batchId }, channel: session!.channel });
      const column = (name: string) => report!.columns.indexOf(name);
      assert.ok(report!.rows.length > 150, `${report!.rows.length} rows`);
      assert.ok(report!.rows.some((row) => row[column('Progress')] === 100));
      assert.ok(report!.rows.some((row) => row[column('Certificate Status')] === 'Issued'));
      assert.ok(report!.rows.some((row) => /^\d+%$/.test(String(row[column('Total Score')]))));
      assert.ok(report!.rows.every((row) => row[column('State')] && row[column('School Name')]));
    });

    test('loads nothing a second time: the database then holds data', async () => {
      assert.ok(await loadDemoIfEmpty(t.services));
      assert.equal(await loadDemoIfEmpty(t.services), undefined);
      assert.equal(await countOf(database, 'record_user'), FIRST_RUN_DEMO.learners);
    });

    const someData: [string, (database: TestDatabase) => Promise<void>][] = [
      ['one consumer mapping', (d) => addConsumerChannel(d.db, 'portal', 'in.ekstep', 1)],
      ['one user record', (d) => insertUser(d.db, { id: 'u1' })],
      ['one request', async (d) => {
        await upsertRequest(d.db, {
          tag: 't:in.ekstep', requestId: 'R1', dataset: 'progress-exhaust', datasetConfig: { batchId: 'b1' },
          requestedBy: '', channel: 'in.ekstep', outputFormat: 'csv', sealedKey: null, now: 1,
        });
      }],
    ];
    for (const [what, insert] of someData) {
      test(`never loads into a database holding ${what}`, async () => {
        await insert(database);
        assert.equal(await holdsNoData(database.db), false);
        assert.equal(await loadDemoIfEmpty(t.services), undefined);
        assert.equal(await countOf(database, 'record_batch'), 0);
        assert.equal(await countOf(database, 'record_enrolment'), 0);
      });
    }

    test('EXHAUST_DEMO=0 leaves an empty database empty', async () => {
      const config = loadConfig({ EXHAUST_DATA_DIR: join(work, `off-${dialect.name}`), EXHAUST_DEMO: '0' });
      assert.equal(await loadDemoIfEmpty({ ...t.services, config }), undefined);
      assert.equal(await holdsNoData(database.db), true);
    });
  });
}

describe('EXHAUST_DEMO', () => {
  const demoOf = (value?: string) => loadConfig({ EXHAUST_DATA_DIR: join(work, 'config'), ...(value === undefined ? {} : { EXHAUST_DEMO: value }) }).demo;
  test('is on by default; 0/false turn it off, 1/true on', () => {
    assert.equal(demoOf(), true);
    assert.equal(demoOf(''), true);
    for (const off of ['0', 'false', 'FALSE', 'no']) assert.equal(demoOf(off), false, off);
    for (const on of ['1', 'true', 'True', 'yes']) assert.equal(demoOf(on), true, on);
  });
  test('anything else stops start-up with one line naming it', () => {
    for (const bad of ['2', 'off', 'maybe']) {
      assert.throws(() => demoOf(bad), (error: unknown) => error instanceof ConfigError && /^EXHAUST_DEMO=".*" must be 1, true or yes, or 0, false or no$/.test(error.message));
    }
  });
});

describe('demo session text', () => {
  const session = {
    ...{ baseUrl: 'http://127.0.0.1:8080', channel: 'demo-channel', consumer: 'demo-portal', learners: 500, collections: 2 },
    ...{ batchIds: ['demo-batch-1'], batchId: 'demo-batch-1', encryptionKey: 'k', requestId: 'R', zipFile: 'demo-batch-1.zip' },
    submit: { method: 'POST' as const, path: '/s', headers: {}, body: {} },
    read: { method: 'GET' as const, path: '/r', headers: {} },
    signinLinks: { mentor: { userId: 'demo-mentor', batchId: 'demo-batch-1', url: 'http://x/signin/link?token=m' }, admin: { userId: 'demo-admin', url: 'http://x/signin/link?token=a' } },
  };
  test('is plain text unless asked for colour', () => {
    assert.ok(!formatDemoSession(session).includes('\x1b'));
    assert.ok(formatDemoSession(session, { color: true }).includes('\x1b[1m'));
    assert.match(formatDemoSession(session), /EXHAUST_DEMO=0/);
  });
});

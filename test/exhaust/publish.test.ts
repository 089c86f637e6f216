import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { adminHeaders, allowChannels, channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { runExhaust } from '../helpers/cli.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { filesUnder } from '../helpers/files.js';

const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

for (const dialect of dialects) {
  describe(`POST /v1/exhaust/publish (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;
    let storage: string;

    before(async () => {
      database = await dialect.open();
      await allowChannels(database, ['chan-a']);
      t = await startTestApp(database);
      t.clock.set('2024-01-15T10:00:00Z');
      storage = join(t.config.dataDir, 'storage');
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    const publish = (query: string, payload: Buffer | string, headers: Record<string, string> = adminHeaders, contentType = 'application/octet-stream') =>
      t.app.inject({ method: 'POST', url: `/v1/exhaust/publish?${query}`, headers: { ...headers, 'content-type': contentType }, payload });
    const refused = async (query: string, status: number, message: string | RegExp, contentType?: string) => {
      const res = await publish(query, 'x', adminHeaders, contentType);
      assert.equal(res.statusCode, status, res.body);
      assert.equal(res.json().id, 'data-exhaust.exhaust.publish');
      if (typeof message === 'string') assert.equal(res.json().params.errmsg, message);
      else assert.match(res.json().params.errmsg, message);
    };
    const standardFiles = async (dataset: string, date: string) =>
      (await t.app.inject({ method: 'GET', url: `/dataset/get/${dataset}?from=${date}&to=${date}`, headers: channelHeaders('chan-a') })).json().result;
    const stored = (container: string) => filesUnder(join(storage, container));

    test('admin only: no token or a wrong one → 403, nothing stored', async () => {
      const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer not-the-admin-token-at-all' }, channelHeaders('chan-a')];
      for (const headers of attempts) {
        const res = await publish('dataset=raw&date=2024-01-14&channel=chan-a&ext=csv', 'x', headers);
        assert.equal(res.statusCode, 403);
        assert.equal(res.json().responseCode, 'FORBIDDEN');
      }
      assert.deepEqual(stored(t.config.container), []);
    });

    test('a body far over 1 MiB is streamed to the standard key, listed and downloaded intact', async () => {
      const bytes = randomBytes(3 * 1024 * 1024 + 17);
      const res = await publish('dataset=raw&date=2024-01-14&channel=chan-a&filename=events.json.gz', bytes);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().result, { container: 'reports', key: 'data-exhaust/raw/chan-a/2024-01-14.json.gz', size: bytes.length, replaced: [] });
      const listed = await standardFiles('raw', '2024-01-14');
      assert.equal(listed.files.length, 1);
      const download = await t.app.inject({ method: 'GET', url: pathOf(listed.files[0]) });
      assert.equal(download.statusCode, 200);
      assert.ok(download.rawPayload.equals(bytes));
    });

    test('parts: a day holds several; a part replaces only itself; no part replaces the whole day', async () => {
      const q = (extra: string) => `dataset=summary&date=2024-01-13&channel=chan-a&${extra}`;
      assert.equal((await publish(q('ext=.csv&part=0'), 'p0')).statusCode, 200);
      assert.equal((await publish(q('ext=.json.gz&part=1'), 'p1')).statusCode, 200);
      assert.equal((await publish(q('ext=csv&part=10'), 'p10')).statusCode, 200);
      const prefix = 'data-exhaust/summary/chan-a/';
      let listed = await standardFiles('summary', '2024-01-13');
      assert.equal(listed.files.length, 3);
      assert.deepEqual(Object.keys(listed.periodWiseFiles), ['2024-01-13']);

      // Part 1 again, as CSV: the old part 1 goes, part 10 (same prefix) stays.
      let res = await publish(q('ext=csv&part=1'), 'p1 again');
      assert.deepEqual(res.json().result.replaced, [`${prefix}2024-01-13-1.json.gz`]);
      assert.deepEqual(stored('reports').filter((f) => f.includes('summary/')), [
        `${prefix}2024-01-13-0.csv`,
        `${prefix}2024-01-13-1.csv`,
        `${prefix}2024-01-13-10.csv`,
      ]);

      // No part: the day holds exactly the new file.
      res = await publish(q('ext=.csv.gz'), 'whole day');
      assert.equal(res.json().result.key, `${prefix}2024-01-13.csv.gz`);
      assert.deepEqual(res.json().result.replaced.sort(), [`${prefix}2024-01-13-0.csv`, `${prefix}2024-01-13-1.csv`, `${prefix}2024-01-13-10.csv`]);
      listed = await standardFiles('summary', '2024-01-13');
      assert.equal(listed.files.length, 1);
      assert.equal((await t.app.inject({ method: 'GET', url: pathOf(listed.files[0]) })).body, 'whole day');

      // Same key again: overwritten in place.
      res = await publish(q('ext=.csv.gz'), 'whole day, v2');
      assert.deepEqual(res.json().result.replaced, []);
      listed = await standardFiles('summary', '2024-01-13');
      assert.equal((await t.app.inject({ method: 'GET', url: pathOf(listed.files[0]) })).body, 'whole day, v2');
      // Other days are untouched.
      assert.equal((await standardFiles('raw', '2024-01-14')).files.length, 1);
    });

    test('public=true stores in the public container, served at its CDN link', async () => {
      const res = await publish('dataset=public-summary-rollup&date=2024-01-14&public=true&ext=csv', 'a,b\n1,2\n');
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().result, { container: 'public', key: 'public-summary-rollup/2024-01-14.csv', size: 8, replaced: [] });
      const listed = (await t.app.inject({ method: 'GET', url: '/public/dataset/get/public-summary-rollup?date=2024-01-14' })).json().result;
      assert.deepEqual(listed.files, [`${t.config.cdnUrl}/public-summary-rollup/2024-01-14.csv`]);
      assert.equal((await t.app.inject({ method: 'GET', url: new URL(listed.files[0]).pathname })).body, 'a,b\n1,2\n');
    });

    test('bad parameters → 400 naming them, nothing stored', async () => {
      const before = [...stored('reports'), ...stored('public')];
      const q = 'dataset=raw&date=2024-01-14';
      await refused(`${q}&ext=csv`, 400, 'give exactly one of channel (standard exhaust) or public');
      await refused(`${q}&channel=chan-a&public=true&ext=csv`, 400, 'give exactly one of channel (standard exhaust) or public');
      await refused(`${q}&public=true&ext=csv`, 400, 'Provided dataset is invalid. Please use any one from this list - [summary-rollup, public-summary-rollup]');
      await refused('dataset=public-summary-rollup&date=2024-01-14&channel=chan-a&ext=csv', 400, /^Provided dataset is invalid/);
      await refused('dataset=raw&date=2024-02-30&channel=chan-a&ext=csv', 400, 'date must be a date in yyyy-MM-dd');
      await refused(`${q}&channel=..&ext=csv`, 400, /^channel must be/);
      await refused(`${q}&channel=a%2Fb&ext=csv`, 400, /^channel must be/);
      await refused(`${q}&channel=chan-a&part=a.b&ext=csv`, 400, /^part must be/);
      await refused(`${q}&channel=chan-a&ext=..%2Fx`, 400, /^the file extension/);
      await refused(`${q}&channel=chan-a`, 400, 'ext or filename is required: the stored file keeps its extension');
      await refused(`${q}&channel=chan-a&ext=csv&filename=a.csv`, 400, 'give ext or filename, not both');
      await refused(`${q}&channel=chan-a&filename=README`, 400, /^the file name has no extension/);
      await refused(`date=2024-01-14&channel=chan-a&ext=csv`, 400, 'dataset is required');
      await refused(`${q}&channel=chan-a&ext=csv`, 415, 'Content-Type must be application/octet-stream', 'application/json');
      assert.deepEqual([...stored('reports'), ...stored('public')], before);
    });
  });
}

describe('exhaust publish (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exhaust-publish-'));
  const dataDir = join(dir, 'data');
  const env = { EXHAUST_DATA_DIR: dataDir, EXHAUST_SECRET: 'publish-test-secret-0123456789abcdef', EXHAUST_LOG_LEVEL: 'silent' };
  const file = (name: string, body: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, body);
    return path;
  };
  const storedIn = (container: string) => filesUnder(join(dataDir, 'storage', container));
  const run = (args: string[]) => runExhaust(['publish', ...args], env);
  let database: TestDatabase;
  let t: TestApp;

  before(async () => {
    database = await dialects[0]!.open();
    await allowChannels(database, ['chan-a']);
  });
  after(async () => {
    await t?.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('stores the file at the standard key, keeping its extension with the compression suffix', async () => {
    const bytes = randomBytes(200_000);
    const res = await run([file('events.json.gz', bytes), '--dataset', 'raw', '--date', '2024-01-14', '--channel', 'chan-a']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, `published reports/data-exhaust/raw/chan-a/2024-01-14.json.gz (${bytes.length} bytes)\n`);
    assert.ok(readFileSync(join(dataDir, 'storage/reports/data-exhaust/raw/chan-a/2024-01-14.json.gz')).equals(bytes));
  });

  test('a file named after a dotted channel keeps only its own extension', async () => {
    const res = await run([file('in.ekstep-2024-01-16.csv', 'dotted'), '--dataset', 'raw', '--date', '2024-01-16', '--channel', 'chan-a']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'published reports/data-exhaust/raw/chan-a/2024-01-16.csv (6 bytes)\n');
    assert.equal(readFileSync(join(dataDir, 'storage/reports/data-exhaust/raw/chan-a/2024-01-16.csv'), 'utf8'), 'dotted');
  });

  test('--part adds files to the day; without it the day is replaced', async () => {
    const day = ['--dataset', 'summary-rollup', '--date', '2024-01-13', '--channel', 'chan-a'];
    assert.equal((await run([file('a.csv', 'part 0'), ...day, '--part', '0'])).code, 0);
    assert.equal((await run([file('b.csv', 'part 1'), ...day, '--part', '1'])).code, 0);
    const prefix = 'data-exhaust/summary-rollup/chan-a/2024-01-13';
    assert.deepEqual(storedIn('reports').filter((k) => k.startsWith(prefix)), [`${prefix}-0.csv`, `${prefix}-1.csv`]);
    const res = await run([file('whole.tsv', 'whole'), ...day]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(res.stdout.trim().split('\n'), [
      `published reports/${prefix}.tsv (5 bytes)`,
      `replaced reports/${prefix}-0.csv`,
      `replaced reports/${prefix}-1.csv`,
    ]);
    assert.deepEqual(storedIn('reports').filter((k) => k.startsWith(prefix)), [`${prefix}.tsv`]);
  });

  test('--public stores in the public container', async () => {
    const res = await run([file('rollup.csv', 'public'), '--dataset', 'summary-rollup', '--date', '2024-01-14', '--public', '--part', 'x1']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(storedIn('public'), ['summary-rollup/2024-01-14-x1.csv']);
  });

  test('what the CLI published is what the API lists and serves', async () => {
    t = await startTestApp(database, env);
    t.clock.set('2024-01-15T10:00:00Z');
    const standard = (await t.app.inject({ method: 'GET', url: '/dataset/get/summary-rollup?from=2024-01-13', headers: channelHeaders('chan-a') })).json().result;
    assert.deepEqual(Object.keys(standard.periodWiseFiles), ['2024-01-13']);
    assert.equal((await t.app.inject({ method: 'GET', url: pathOf(standard.files[0]) })).body, 'whole');
    const open = (await t.app.inject({ method: 'GET', url: '/public/dataset/get/summary-rollup?date=2024-01-14' })).json().result;
    assert.deepEqual(open.periodWiseFiles, { '2024-01-14': [`${t.config.cdnUrl}/summary-rollup/2024-01-14-x1.csv`] });
    assert.equal((await t.app.inject({ method: 'GET', url: new URL(open.files[0]).pathname })).body, 'public');
  });

  test('usage errors exit 2 with one line, and store nothing', async () => {
    const before = [...storedIn('reports'), ...storedIn('public')];
    const csv = file('ok.csv', 'x');
    const cases: [string[], RegExp][] = [
      [[csv, '--dataset', 'raw', '--date', '2024-01-14'], /give exactly one of --channel <channel> or --public/],
      [[csv, '--dataset', 'raw', '--date', '2024-01-14', '--channel', 'chan-a', '--public'], /give exactly one of --channel <channel> or --public/],
      [[csv, '--dataset', 'raw', '--date', '2024-01-14', '--public'], /Provided dataset is invalid\. Please use any one from this list - \[summary-rollup, public-summary-rollup\]/],
      [[csv, '--dataset', 'nope', '--date', '2024-01-14', '--channel', 'chan-a'], /Provided dataset is invalid/],
      [[csv, '--dataset', 'raw', '--date', '2024-13-01', '--channel', 'chan-a'], /date must be a date in yyyy-MM-dd/],
      [[csv, '--dataset', 'raw', '--date', '2024-01-14', '--channel', '../x'], /channel must be/],
      [[csv, '--dataset', 'raw', '--date', '2024-01-14', '--channel', 'chan-a', '--part', 'a/b'], /part must be/],
      [[join(dir, 'missing.csv'), '--dataset', 'raw', '--date', '2024-01-14', '--channel', 'chan-a'], /missing\.csv is not a readable file/],
      [[dir + '/', '--dataset', 'raw', '--date', '2024-01-14', '--channel', 'chan-a'], /the file name has no extension/],
      [[file('README', 'x'), '--dataset', 'raw', '--date', '2024-01-14', '--channel', 'chan-a'], /the file name has no extension/],
      [[csv, '--dataset', 'raw', '--date', '2024-01-14', '--channel', 'chan-a', '--force'], /Unknown option '--force'/],
      [['--dataset', 'raw', '--date', '2024-01-14', '--channel', 'chan-a'], /^exhaust: usage: exhaust publish <file>/],
      [[csv, '--date', '2024-01-14', '--channel', 'chan-a'], /--dataset is required/],
    ];
    for (const [args, message] of cases) {
      const res = await run(args);
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.equal(res.stdout, '');
      assert.match(res.stderr, /^exhaust: [^\n]+\n$/, res.stderr);
      assert.match(res.stderr, message);
    }
    assert.deepEqual([...storedIn('reports'), ...storedIn('public')], before);
  });
});

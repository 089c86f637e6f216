import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('config: daily exhaust', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exhaust-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const load = (env: Record<string, string>) => loadConfig({ EXHAUST_DATA_DIR: dir, ...env });

  test('defaults', () => {
    const c = load({});
    assert.deepEqual(c.standardDatasets, ['raw', 'summary', 'summary-rollup', 'summary-channel-exhaust']);
    assert.deepEqual(c.publicDatasets, ['summary-rollup', 'public-summary-rollup']);
    assert.equal(c.standardMaxDays, 10);
    assert.equal(c.publicMaxDays, 30);
    assert.equal(c.publicMaxAgeMonths, 2);
    assert.equal(c.cdnUrl, 'http://127.0.0.1:8080/public-files');
    assert.equal(load({ EXHAUST_PUBLIC_URL: 'https://exhaust.example.org/' }).cdnUrl, 'https://exhaust.example.org/public-files');
  });

  test('given values', () => {
    const c = load({
      EXHAUST_STANDARD_DATASETS: ' raw , raw,telemetry.v2 ',
      EXHAUST_PUBLIC_DATASETS: 'open',
      EXHAUST_STANDARD_MAX_DAYS: '0',
      EXHAUST_PUBLIC_MAX_DAYS: '90',
      EXHAUST_PUBLIC_MAX_AGE_MONTHS: '12',
      EXHAUST_CDN_URL: 'https://cdn.example.org/data-store//',
    });
    assert.deepEqual(c.standardDatasets, ['raw', 'telemetry.v2']);
    assert.deepEqual(c.publicDatasets, ['open']);
    assert.equal(c.standardMaxDays, 0);
    assert.equal(c.publicMaxDays, 90);
    assert.equal(c.publicMaxAgeMonths, 12);
    assert.equal(c.cdnUrl, 'https://cdn.example.org/data-store');
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ EXHAUST_STANDARD_DATASETS: 'raw,a/b' }, /^EXHAUST_STANDARD_DATASETS="raw,a\/b" must be a comma-separated list of dataset ids/],
    [{ EXHAUST_STANDARD_DATASETS: ',,' }, /^EXHAUST_STANDARD_DATASETS=/],
    [{ EXHAUST_PUBLIC_DATASETS: '..' }, /^EXHAUST_PUBLIC_DATASETS=/],
    [{ EXHAUST_PUBLIC_DATASETS: 'a b' }, /^EXHAUST_PUBLIC_DATASETS=/],
    [{ EXHAUST_STANDARD_MAX_DAYS: '-1' }, /^EXHAUST_STANDARD_MAX_DAYS="-1" is not an integer between 0 and 3660$/],
    [{ EXHAUST_PUBLIC_MAX_DAYS: 'ten' }, /^EXHAUST_PUBLIC_MAX_DAYS=/],
    [{ EXHAUST_PUBLIC_MAX_AGE_MONTHS: '0' }, /^EXHAUST_PUBLIC_MAX_AGE_MONTHS="0" is not an integer between 1 and 1200$/],
    [{ EXHAUST_CDN_URL: 'ftp://cdn.example.org' }, /^EXHAUST_CDN_URL="ftp:\/\/cdn.example.org" is not an http\(s\) URL$/],
  ];
  for (const [env, message] of bad) {
    test(`refuses ${JSON.stringify(env)} in one line`, () => {
      assert.throws(() => load(env), (error: Error) => error instanceof ConfigError && message.test(error.message) && !error.message.includes('\n'));
    });
  }
});

// The sweeper's settings: EXHAUST_RETENTION_DAYS (a decimal > 0) and EXHAUST_SWEEP_INTERVAL_SECONDS.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig({ EXHAUST_DATA_DIR: '/nowhere', ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('config: retention and sweeping', () => {
  test('defaults: reports kept 7 days, a round every 300 s', () => {
    const c = loadConfig({ EXHAUST_DATA_DIR: '/nowhere' });
    assert.equal(c.retentionDays, 7);
    assert.equal(c.sweepIntervalSeconds, 300);
  });

  test('a decimal retention is allowed, so a test or a demo can keep reports for seconds', () => {
    assert.equal(loadConfig({ EXHAUST_DATA_DIR: '/nowhere', EXHAUST_RETENTION_DAYS: '0.0001' }).retentionDays, 0.0001);
    assert.equal(loadConfig({ EXHAUST_DATA_DIR: '/nowhere', EXHAUST_RETENTION_DAYS: '30', EXHAUST_SWEEP_INTERVAL_SECONDS: '60' }).sweepIntervalSeconds, 60);
  });

  for (const value of ['0', '0.0', 'abc', '-1', '1e3', '7 days']) {
    test(`EXHAUST_RETENTION_DAYS=${value}: one line naming the variable`, () => {
      assert.deepEqual(problemsOf({ EXHAUST_RETENTION_DAYS: value }), [
        `EXHAUST_RETENTION_DAYS=${JSON.stringify(value)} is not a number of days greater than 0 (e.g. 7 or 0.5)`,
      ]);
    });
  }

  test('both bad at once: both reported, a line each', () => {
    assert.deepEqual(problemsOf({ EXHAUST_RETENTION_DAYS: 'abc', EXHAUST_SWEEP_INTERVAL_SECONDS: '0' }), [
      'EXHAUST_RETENTION_DAYS="abc" is not a number of days greater than 0 (e.g. 7 or 0.5)',
      'EXHAUST_SWEEP_INTERVAL_SECONDS="0" is not an integer between 1 and 86400',
    ]);
  });
});

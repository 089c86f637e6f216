import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addMonths, dateRangeWindow, resolveWindow, type WindowQuery } from '../../src/exhaust/date-window.js';
import { extensionOf, parseDayFile } from '../../src/exhaust/exhaust.js';
import { monthPrefixesOf } from '../../src/exhaust/listing.js';

const standard = (query: WindowQuery, today = '2024-03-10') => resolveWindow(query, { today, maxDays: 10 });
const publicRules = (query: WindowQuery, today = '2024-03-10') => resolveWindow(query, { today, maxDays: 30, maxAgeMonths: 2 });
const messageOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('expected a refusal');
};

describe('date window', () => {
  test('defaults: yesterday … today', () => {
    assert.deepEqual(standard({}), { from: '2024-03-09', to: '2024-03-10' });
    assert.deepEqual(standard({ to: '2024-03-09' }), { from: '2024-03-09', to: '2024-03-09' });
  });

  test('since wins over from; date over both; date_range over all', () => {
    assert.deepEqual(standard({ from: '2024-03-01', since: '2024-03-05' }), { from: '2024-03-05', to: '2024-03-10' });
    assert.deepEqual(publicRules({ from: '2024-03-01', since: '2024-03-02', to: '2024-03-03', date: '2024-03-07' }), { from: '2024-03-07', to: '2024-03-07' });
    assert.deepEqual(publicRules({ date: '2024-03-07', from: '2024-03-01', date_range: 'LAST_2_DAYS' }), { from: '2024-03-08', to: '2024-03-10' });
  });

  test('format errors name the parameter, before any other check', () => {
    assert.equal(messageOf(() => standard({ from: '2024-3-1' })), 'from must be a date in yyyy-MM-dd');
    assert.equal(messageOf(() => standard({ to: '2024-02-30' })), 'to must be a date in yyyy-MM-dd');
    assert.equal(messageOf(() => standard({ since: '' })), 'since must be a date in yyyy-MM-dd');
    assert.equal(messageOf(() => publicRules({ date: 'yesterday' })), 'date must be a date in yyyy-MM-dd');
    // A malformed parameter is refused even when a stronger one overrides it, and even when the
    // window would also fail a later check (future `to`).
    assert.equal(messageOf(() => publicRules({ date_range: 'LAST_DAY', from: 'x' })), 'from must be a date in yyyy-MM-dd');
    assert.equal(messageOf(() => standard({ from: 'x', to: '2099-01-01' })), 'from must be a date in yyyy-MM-dd');
    assert.equal(
      messageOf(() => publicRules({ date_range: 'LAST_3_DAYS', from: 'x' })),
      'Provided dateRange LAST_3_DAYS is not valid. Please use any one from this list - [LAST_DAY, LAST_2_DAYS, LAST_7_DAYS, LAST_14_DAYS, LAST_30_DAYS, LAST_WEEK]',
    );
  });

  test('then: future to, negative range, too long, too old — in that order', () => {
    const future = "'to' should be LESSER OR EQUAL TO today's date..";
    const negative = "Date range should not be -ve. Please check your 'from' & 'to'";
    // Future `to` beats a negative and a too-long range.
    assert.equal(messageOf(() => standard({ from: '2024-03-12', to: '2024-03-11' })), future);
    assert.equal(messageOf(() => standard({ from: '2023-01-01', to: '2024-03-11' })), future);
    // Negative (also the default `from` = yesterday after an early `to`).
    assert.equal(messageOf(() => standard({ from: '2024-03-05', to: '2024-03-04' })), negative);
    assert.equal(messageOf(() => standard({ to: '2024-03-01' })), negative);
    // "< N days" means to − from ≤ N.
    assert.deepEqual(standard({ from: '2024-02-29', to: '2024-03-10' }), { from: '2024-02-29', to: '2024-03-10' });
    assert.equal(messageOf(() => standard({ from: '2024-02-28', to: '2024-03-10' })), 'Date range should be < 10 days');
    assert.deepEqual(publicRules({ from: '2024-02-09' }), { from: '2024-02-09', to: '2024-03-10' });
    assert.equal(messageOf(() => publicRules({ from: '2024-02-08' })), 'Date range should be < 30 days');
    // Too long beats too old.
    assert.equal(messageOf(() => publicRules({ from: '2023-01-01', to: '2023-03-01' })), 'Date range should be < 30 days');
    // Too old: from before today − 2 months (2024-01-10).
    assert.deepEqual(publicRules({ from: '2024-01-10', to: '2024-01-10' }), { from: '2024-01-10', to: '2024-01-10' });
    assert.equal(messageOf(() => publicRules({ date: '2024-01-09' })), 'Date range cannot be older than 2 months');
    // The standard exhaust has no age limit.
    assert.deepEqual(standard({ from: '2020-01-01', to: '2020-01-02' }), { from: '2020-01-01', to: '2020-01-02' });
  });

  test('every date_range name', () => {
    // 2024-03-10 is a Sunday.
    assert.deepEqual(dateRangeWindow('LAST_DAY', '2024-03-10'), { from: '2024-03-09', to: '2024-03-10' });
    assert.deepEqual(dateRangeWindow('LAST_2_DAYS', '2024-03-10'), { from: '2024-03-08', to: '2024-03-10' });
    assert.deepEqual(dateRangeWindow('LAST_7_DAYS', '2024-03-10'), { from: '2024-03-03', to: '2024-03-10' });
    assert.deepEqual(dateRangeWindow('LAST_14_DAYS', '2024-03-10'), { from: '2024-02-25', to: '2024-03-10' });
    assert.deepEqual(dateRangeWindow('LAST_30_DAYS', '2024-03-10'), { from: '2024-02-09', to: '2024-03-10' });
    assert.deepEqual(dateRangeWindow('LAST_WEEK', '2024-03-10'), { from: '2024-02-26', to: '2024-03-03' });
  });

  test('LAST_WEEK is the previous ISO week, whatever weekday today is', () => {
    // Monday … Sunday of the week 2024-03-04 … 2024-03-10: always 2024-02-26 … 2024-03-03 (across February 29).
    for (const today of ['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08', '2024-03-09', '2024-03-10']) {
      assert.deepEqual(dateRangeWindow('LAST_WEEK', today), { from: '2024-02-26', to: '2024-03-03' }, today);
    }
    // Across a year boundary.
    assert.deepEqual(dateRangeWindow('LAST_WEEK', '2021-01-04'), { from: '2020-12-28', to: '2021-01-03' });
    assert.deepEqual(dateRangeWindow('LAST_WEEK', '2021-01-10'), { from: '2020-12-28', to: '2021-01-03' });
    assert.deepEqual(dateRangeWindow('LAST_WEEK', '2021-01-03'), { from: '2020-12-21', to: '2020-12-27' });
  });

  test('months are calendar months, clamped to the month end', () => {
    assert.equal(addMonths('2024-03-10', -2), '2024-01-10');
    assert.equal(addMonths('2024-03-31', -1), '2024-02-29');
    assert.equal(addMonths('2023-03-31', -1), '2023-02-28');
    assert.equal(addMonths('2024-01-31', -2), '2023-11-30');
    assert.equal(addMonths('2024-02-15', -14), '2022-12-15');
  });
});

describe('exhaust file names', () => {
  test('the extension is the last suffix, with the one before a compression suffix', () => {
    assert.equal(extensionOf('/tmp/x/events.json.gz'), '.json.gz');
    assert.equal(extensionOf('report.csv'), '.csv');
    // A channel or a date with dots in the name is not part of the extension.
    assert.equal(extensionOf('in.ekstep-2024-01-15.csv'), '.csv');
    assert.equal(extensionOf('/data/in.ekstep.events.json.gz'), '.json.gz');
    for (const compression of ['gz', 'bz2', 'xz', 'zst', 'GZ']) assert.equal(extensionOf(`in.ekstep.csv.${compression}`), `.csv.${compression}`);
    assert.equal(extensionOf('a.b.tar.zip'), '.zip');
    assert.equal(extensionOf('events.gz'), '.gz');
    assert.equal(extensionOf('events.'), undefined);
    assert.equal(extensionOf('.hidden.csv'), '.csv');
    assert.equal(extensionOf('README'), undefined);
    assert.equal(extensionOf('dir.d/README'), undefined);
  });

  test('day files read back', () => {
    assert.deepEqual(parseDayFile('2024-01-15.json.gz'), { date: '2024-01-15', part: undefined, extension: '.json.gz' });
    assert.deepEqual(parseDayFile('2024-01-15-part_1.csv'), { date: '2024-01-15', part: 'part_1', extension: '.csv' });
    assert.deepEqual(parseDayFile('2024-01-15-a-b.csv'), { date: '2024-01-15', part: 'a-b', extension: '.csv' });
    assert.equal(parseDayFile('2024-01-15/nested.csv'), undefined);
    assert.equal(parseDayFile('2024-01-15x.csv'), undefined);
  });
});

describe('listing prefixes of a window', () => {
  test('one per month, as narrow as its first and last date allow', () => {
    assert.deepEqual(monthPrefixesOf(['2024-03-10']), ['2024-03-10']);
    assert.deepEqual(monthPrefixesOf(['2024-03-12', '2024-03-13', '2024-03-14', '2024-03-15']), ['2024-03-1']);
    assert.deepEqual(monthPrefixesOf(['2024-03-09', '2024-03-10']), ['2024-03-']);
    assert.deepEqual(monthPrefixesOf(['2024-12-31', '2025-01-01']), ['2024-12-31', '2025-01-01']);
    assert.deepEqual(monthPrefixesOf(['2024-01-31', '2024-02-01', '2024-02-29', '2024-03-01']), ['2024-01-31', '2024-02-', '2024-03-01']);
  });
});

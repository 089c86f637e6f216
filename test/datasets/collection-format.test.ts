import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { batchIdsOf } from '../../src/datasets/collection/collection-config.js';
import { dateCell, dateTimeCell, jsonCell, percentCeil, percentHalfUp } from '../../src/datasets/collection/format.js';

describe('progress percentage (half up)', () => {
  test('rounds to the nearest whole percent, halves up', () => {
    assert.equal(percentHalfUp(2, 3), 67);
    assert.equal(percentHalfUp(1, 3), 33);
    assert.equal(percentHalfUp(1, 8), 13); // 12.5
    assert.equal(percentHalfUp(3, 8), 38); // 37.5
    assert.equal(percentHalfUp(1, 200), 1); // 0.5
    assert.equal(percentHalfUp(0, 7), 0);
    assert.equal(percentHalfUp(7, 7), 100);
  });
});

describe('score percentage (ceiling)', () => {
  test('takes the ceiling of a fraction', () => {
    assert.equal(percentCeil(1, 3), '34%');
    assert.equal(percentCeil(2, 3), '67%');
    assert.equal(percentCeil(0, 5), '0%');
    assert.equal(percentCeil(5, 5), '100%');
    assert.equal(percentCeil(1, 1000), '1%');
  });

  test('is not pushed up by binary floating point', () => {
    // 100 × 0.7 = 70.00000000000001, 100 × 0.57 = 56.99999999999999, 0.1 + 0.2 = 0.30000000000000004
    assert.equal(percentCeil(0.7, 1), '70%');
    assert.equal(percentCeil(0.57, 1), '57%');
    assert.equal(percentCeil(1.1, 2.2), '50%');
    assert.equal(percentCeil(0.1 + 0.2, 0.3), '100%');
    assert.equal(percentCeil(0.7 * 3, 3), '70%');
    assert.equal(percentCeil(7.0000001, 10), '71%');
  });

  test('has no value without a positive max', () => {
    assert.equal(percentCeil(3, 0), undefined);
    assert.equal(percentCeil(3, Number.NaN), undefined);
  });
});

describe('dates', () => {
  test('a date-only value is written as it is, in dd/MM/yyyy', () => {
    assert.equal(dateCell('2024-01-15', 'Asia/Kolkata'), '15/01/2024');
    assert.equal(dateCell('2024-01-15', 'America/Los_Angeles'), '15/01/2024');
  });

  test('a timestamp is converted to the report zone', () => {
    assert.equal(dateCell('2024-01-15T20:00:00Z', 'UTC'), '15/01/2024');
    assert.equal(dateCell('2024-01-15T20:00:00Z', 'Asia/Kolkata'), '16/01/2024');
    assert.equal(dateCell('2024-01-15T20:00:00+05:30', 'UTC'), '15/01/2024');
    assert.equal(dateCell('2024-01-15T02:00:00.000+0000', 'America/New_York'), '14/01/2024');
    // Without an offset, a timestamp is UTC, whatever the server's zone.
    assert.equal(dateCell('2024-01-15T20:00:00', 'Asia/Kolkata'), '16/01/2024');
    assert.equal(dateTimeCell('2024-01-15T20:00', 'Asia/Kolkata'), '2024-01-16 01:30:00');
    // Offsets in hours only, fractions beyond milliseconds: both ISO 8601.
    assert.equal(dateTimeCell('2024-01-15T20:00:00+05', 'UTC'), '2024-01-15 15:00:00');
    assert.equal(dateTimeCell('2024-01-15T20:00:00.123456789Z', 'UTC'), '2024-01-15 20:00:00');
  });

  test('attempted-on is yyyy-MM-dd HH:mm:ss in the zone, across DST', () => {
    assert.equal(dateTimeCell('2024-01-15T20:00:00Z', 'Asia/Kolkata'), '2024-01-16 01:30:00');
    assert.equal(dateTimeCell('2024-03-10T06:59:59Z', 'America/New_York'), '2024-03-10 01:59:59');
    assert.equal(dateTimeCell('2024-03-10T07:00:00Z', 'America/New_York'), '2024-03-10 03:00:00');
    assert.equal(dateTimeCell('2024-07-01T12:00:00Z', 'Europe/Berlin'), '2024-07-01 14:00:00');
    assert.equal(dateTimeCell('2024-01-15', 'Asia/Kolkata'), '2024-01-15 00:00:00');
  });

  test('empty stays empty; text that is not a date is kept', () => {
    assert.equal(dateCell(null, 'UTC'), '');
    assert.equal(dateCell('', 'UTC'), '');
    assert.equal(dateCell('someday', 'UTC'), 'someday');
  });
});

describe('datasetConfig batches', () => {
  test('batchId, else batchFilter in order, without repeats', () => {
    assert.deepEqual(batchIdsOf({ batchId: 'b1' }), ['b1']);
    assert.deepEqual(batchIdsOf({ batchFilter: ['b3', 'b1', 'b3', '', 7] }), ['b3', 'b1']);
    assert.deepEqual(batchIdsOf({ batchId: 'b1', batchFilter: ['b2'] }), ['b1']);
    assert.deepEqual(batchIdsOf({}), []);
  });

  test('JSON cells', () => {
    assert.equal(jsonCell({ a: [1, '2'] }), '{"a":[1,"2"]}');
    assert.equal(jsonCell(undefined), '');
  });
});

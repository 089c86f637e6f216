import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requestIdOf } from '../../src/requests/request-id.js';

describe('request id', () => {
  const base = { dataset: 'progress-exhaust', tag: 'test-tag', requestedBy: 'user-1', channel: 'in.ekstep', timeZone: 'UTC' };

  test('is the worked example of the contract', () => {
    // md5("progress-exhaust|test-tag|user-1|in.ekstep|2024-01-15")
    assert.equal(requestIdOf({ ...base, submittedAt: Date.parse('2024-01-15T10:00:00Z') }), 'EBFEBDBBC01A7D65EAF2D03311A09395');
  });

  test('changes with the day, in the configured zone', () => {
    const lateUtc = Date.parse('2024-01-15T20:00:00Z');
    assert.equal(requestIdOf({ ...base, submittedAt: lateUtc }), 'EBFEBDBBC01A7D65EAF2D03311A09395');
    // 20:00 UTC is already the 16th in Kolkata (UTC+05:30).
    assert.notEqual(requestIdOf({ ...base, submittedAt: lateUtc, timeZone: 'Asia/Kolkata' }), 'EBFEBDBBC01A7D65EAF2D03311A09395');
    assert.equal(
      requestIdOf({ ...base, submittedAt: lateUtc, timeZone: 'Asia/Kolkata' }),
      requestIdOf({ ...base, submittedAt: Date.parse('2024-01-16T01:00:00Z') }),
    );
  });

  test('appends the datasetConfig type when present', () => {
    const at = Date.parse('2024-01-15T10:00:00Z');
    const typed = requestIdOf({ ...base, submittedAt: at, type: 'assessment' });
    assert.notEqual(typed, requestIdOf({ ...base, submittedAt: at }));
    assert.match(typed, /^[0-9A-F]{32}$/);
  });
});

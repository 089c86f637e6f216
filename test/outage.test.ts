// Which failures are a service away for a while (retried without using up attempts) and which are not.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DataError } from '../src/datasets/dataset.js';
import { isOutage } from '../src/outage.js';

const withProps = (message: string, props: Record<string, unknown>) => Object.assign(new Error(message), props);

describe('outages', () => {
  test('network failures, database unavailability and 5xx/429 answers of the stores are outages', () => {
    const outages = [
      withProps('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' }),
      withProps('terminating connection due to administrator command', { code: '57P01' }),
      withProps('the database is locked', { code: 'SQLITE_BUSY' }),
      withProps('socket hang up', { code: 'ECONNRESET' }),
      withProps('We encountered an internal error', { name: 'InternalError', $metadata: { httpStatusCode: 500 } }),
      withProps('Please reduce your request rate', { $metadata: { httpStatusCode: 503 } }),
      withProps('Server busy', { statusCode: 503 }),
      withProps('Too many requests', { statusCode: 429 }),
      new Error('upload failed', { cause: withProps('read ETIMEDOUT', { code: 'ETIMEDOUT' }) }),
      withProps('connect ENETUNREACH 10.0.0.9:443', { code: 'ENETUNREACH' }),
      new TypeError('fetch failed', { cause: withProps('other side closed', { code: 'UND_ERR_SOCKET' }) }),
      new TypeError('fetch failed', { cause: withProps('Connect Timeout Error', { code: 'UND_ERR_CONNECT_TIMEOUT' }) }),
    ];
    for (const error of outages) assert.equal(isOutage(error), true, error.message);
  });

  test('errors of the request or of the code are not', () => {
    const faults = [
      new DataError('No data found'),
      new Error('Cannot read properties of undefined'),
      withProps('Access Denied', { $metadata: { httpStatusCode: 403 } }),
      withProps('The specified container does not exist', { statusCode: 404 }),
      withProps('duplicate key value violates unique constraint', { code: '23505' }),
      'a string',
      undefined,
    ];
    for (const error of faults) assert.equal(isOutage(error), false, String(error));
  });
});

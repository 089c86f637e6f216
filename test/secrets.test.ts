import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deriveKey, openSecret, sealSecret } from '../src/secrets.js';

describe('encryption keys at rest', () => {
  const key = deriveKey('a-secret-of-at-least-thirty-two-chars', 'stored-keys');

  test('a sealed key opens to itself, and only under its own key', () => {
    const sealed = sealSecret('pass wörd', key);
    assert.equal(openSecret(sealed, key), 'pass wörd');
    assert.throws(() => openSecret(sealed, deriveKey('another-secret-of-thirty-two-chars', 'stored-keys')));
  });

  test('every seal has its own IV, across refills of the IV pool', () => {
    const ivs = Array.from({ length: 1000 }, () => sealSecret('same', key).split(':')[1]);
    assert.equal(new Set(ivs).size, ivs.length);
    assert.ok(ivs.every((iv) => Buffer.from(iv!, 'base64').length === 12));
  });
});

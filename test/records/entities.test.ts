import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findRecordEntity, recordEntities, recordEntityNames, toRecordRow } from '../../src/records/entities.js';

const entity = (name: string) => findRecordEntity(name)!;
const rowOf = (name: string, value: unknown) => {
  const result = toRecordRow(entity(name), value);
  if ('reason' in result) assert.fail(`refused: ${result.reason}`);
  return result.row as unknown as Record<string, unknown>;
};
const reasonOf = (name: string, value: unknown) => {
  const result = toRecordRow(entity(name), value);
  if ('row' in result) assert.fail(`accepted: ${JSON.stringify(result.row)}`);
  return result.reason;
};

describe('record entities', () => {
  test('six entities in import order, each from <name>.jsonl', () => {
    assert.deepEqual(recordEntityNames, ['users', 'collections', 'batches', 'enrolments', 'attempts', 'consents']);
    assert.deepEqual(recordEntities.map((e) => e.file), recordEntityNames.map((n) => `${n}.jsonl`));
    assert.equal(findRecordEntity('teachers'), undefined);
  });

  test('ids are required non-empty strings, named in the reason', () => {
    assert.equal(reasonOf('users', {}), 'id is required');
    assert.equal(reasonOf('users', { id: null }), 'id is required');
    assert.equal(reasonOf('users', { id: 7 }), 'id must be a string');
    assert.equal(reasonOf('users', { id: '  ' }), 'id is empty');
    assert.equal(reasonOf('batches', { id: 'b1' }), 'collectionId is required');
    assert.equal(reasonOf('enrolments', { userId: 'u', collectionId: 'c' }), 'batchId is required');
    assert.equal(reasonOf('attempts', { userId: 'u', collectionId: 'c', batchId: 'b', contentId: 'q' }), 'attemptId is required');
    assert.equal(reasonOf('consents', { userId: 'u', objectId: 'c', status: 'ACTIVE' }), 'consumerId is required');
    assert.equal(reasonOf('users', [1, 2]), 'not a JSON object');
    assert.equal(reasonOf('users', 'u1'), 'not a JSON object');
  });

  test('optional fields default, unknown fields are ignored', () => {
    assert.deepEqual(rowOf('collections', { id: 'c1', somethingElse: { deep: true } }), {
      id: 'c1', name: null, channel: null, status: null, user_consent: 0, leaf_nodes_count: null, assessments: '[]',
    });
    const enrolment = rowOf('enrolments', { userId: 'u', collectionId: 'c', batchId: 'b' });
    assert.equal(enrolment.active, 1);
    assert.equal(enrolment.certificates, '[]');
    assert.equal(enrolment.content_status, '{}');
  });

  test('a batch carries its creator and mentors, both optional', () => {
    assert.deepEqual(rowOf('batches', { id: 'b1', collectionId: 'c1', createdBy: 'u-admin', mentors: ['u-m1', 'u-m2'] }), {
      id: 'b1', collection_id: 'c1', name: null, status: null, start_date: null, end_date: null, created_by: 'u-admin', mentors: '["u-m1","u-m2"]',
    });
    assert.equal(rowOf('batches', { id: 'b1', collectionId: 'c1' }).mentors, '[]');
    assert.equal(reasonOf('batches', { id: 'b1', collectionId: 'c1', mentors: 'u-m1' }), 'mentors must be an array');
    assert.equal(reasonOf('batches', { id: 'b1', collectionId: 'c1', mentors: ['u-m1', 7] }), 'mentors[1] must be a user id');
    assert.equal(reasonOf('batches', { id: 'b1', collectionId: 'c1', createdBy: 42 }), 'createdBy must be a string');
  });

  test('wrong types are refused with the field name', () => {
    assert.equal(reasonOf('users', { id: 'u', phone: 9876543210 }), 'phone must be a string');
    assert.equal(reasonOf('collections', { id: 'c', leafNodesCount: -1 }), 'leafNodesCount must be a non-negative integer');
    assert.equal(reasonOf('collections', { id: 'c', leafNodesCount: 2.5 }), 'leafNodesCount must be a non-negative integer');
    assert.equal(reasonOf('collections', { id: 'c', leafNodesCount: '4' }), 'leafNodesCount must be a non-negative integer');
    assert.equal(reasonOf('collections', { id: 'c', assessments: [{ id: 'a1' }, { name: 'x' }] }), 'assessments[1].id is required');
    assert.equal(reasonOf('collections', { id: 'c', assessments: 'a1' }), 'assessments must be an array');
    assert.equal(reasonOf('collections', { id: 'c', userConsent: 'maybe' }), 'userConsent must be true, false, "Yes" or "No"');
    assert.equal(reasonOf('enrolments', { userId: 'u', collectionId: 'c', batchId: 'b', active: 'yes' }), 'active must be true or false');
    assert.equal(reasonOf('enrolments', { userId: 'u', collectionId: 'c', batchId: 'b', certificates: {} }), 'certificates must be an array');
    assert.equal(reasonOf('enrolments', { userId: 'u', collectionId: 'c', batchId: 'b', contentStatus: { do1: 3 } }), 'contentStatus.do1 must be 0, 1 or 2');
    assert.equal(reasonOf('enrolments', { userId: 'u', collectionId: 'c', batchId: 'b', contentStatus: [2] }), 'contentStatus must be an object');
    assert.equal(reasonOf('attempts', { userId: 'u', collectionId: 'c', batchId: 'b', contentId: 'q', attemptId: 'a', totalScore: '5' }), 'totalScore must be a number');
    assert.equal(reasonOf('attempts', { userId: 'u', collectionId: 'c', batchId: 'b', contentId: 'q', attemptId: 'a', questions: [1] }), 'questions[0] must be an object');
    assert.equal(reasonOf('users', { id: 'u\u0000' }), 'id contains a NUL character');
  });

  test('dates are ISO 8601 dates or timestamps, stored as given', () => {
    const batch = (startDate: unknown) => ({ id: 'b', collectionId: 'c', startDate });
    for (const ok of ['2024-01-15', '2024-02-29', '2024-01-15T10:00Z', '2024-01-15T10:00:00Z', '2024-01-15T10:00:00.123+05:30', '2024-01-15T23:59:59.5-0800', '2024-01-15T10:00:00', '2024-01-15T10:00:00+05']) {
      assert.equal(rowOf('batches', batch(ok)).start_date, ok);
    }
    for (const bad of ['2023-02-29', '2024-13-01', '15/01/2024', '2024-01-15T10:00:00X', '2024-01-15 10:00:00Z', '2024-01-15T24:00:00Z', 'yesterday', '']) {
      assert.match(reasonOf('batches', batch(bad)), /^startDate must be an ISO 8601 date/, bad);
    }
    assert.equal(reasonOf('batches', batch(20240115)), 'startDate must be a string');
  });

  test('userConsent takes booleans and "Yes"/"No" in any case', () => {
    const consent = (userConsent: unknown) => rowOf('collections', { id: 'c', userConsent }).user_consent;
    assert.equal(consent(true), 1);
    assert.equal(consent(false), 0);
    assert.equal(consent('Yes'), 1);
    assert.equal(consent('YES'), 1);
    assert.equal(consent('no'), 0);
    assert.equal(consent(undefined), 0);
  });

  test('consent status is ACTIVE or REVOKED in any case, stored upper-case, and required', () => {
    const consent = { userId: 'u', objectId: 'c', consumerId: 'org' };
    assert.equal(rowOf('consents', { ...consent, status: 'active' }).status, 'ACTIVE');
    assert.equal(rowOf('consents', { ...consent, status: 'Revoked' }).status, 'REVOKED');
    assert.equal(reasonOf('consents', { ...consent, status: 'PENDING' }), 'status must be one of ACTIVE, REVOKED');
    assert.equal(reasonOf('consents', consent), 'status is required');
  });

  test('JSON fields are stored as JSON text; assessments keep only id and name', () => {
    const collection = rowOf('collections', { id: 'c', assessments: [{ id: 'a1', name: 'Quiz', extra: 1 }, { id: 'a2' }] });
    assert.deepEqual(JSON.parse(collection.assessments as string), [{ id: 'a1', name: 'Quiz' }, { id: 'a2' }]);
    const enrolment = rowOf('enrolments', { userId: 'u', collectionId: 'c', batchId: 'b', certificates: [{ id: 'x' }, 'y', 3], contentStatus: { d1: 2, d2: 0 } });
    assert.deepEqual(JSON.parse(enrolment.certificates as string), [{ id: 'x' }, 'y', 3]);
    assert.deepEqual(JSON.parse(enrolment.content_status as string), { d1: 2, d2: 0 });
  });
});

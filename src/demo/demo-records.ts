// The demo's records, file by file, in the exact shape `exhaust import` accepts (records/entities.ts).
// Produced lazily: one learner at a time, so a demo of any size is written in flat memory.
import type { RecordEntityName } from '../records/entities.js';
import type { JsonObject } from '../records/fields.js';
import type { DemoBatch, DemoCollection, DemoPlan } from './demo-plan.js';
import { attemptsOf, consentOf, enrolmentOf, userOf } from './learner.js';

/**
 * The records of one file, grouped by what they come from: one group per collection, per batch,
 * or per learner (a learner has one user and one enrolment, 0–4 attempts, 0–1 consent). The groups
 * count progress: there are as many as `unitsOf(plan, entity)`.
 */
export function* demoRecordGroups(plan: DemoPlan, entity: RecordEntityName): Generator<readonly JsonObject[]> {
  switch (entity) {
    case 'collections':
      for (const collection of plan.collections) yield [collectionRecord(collection, plan.options.channel)];
      return;
    case 'batches':
      for (const batch of plan.batches) yield [batchRecord(batch)];
      return;
    default: {
      const ofLearner = learnerRecords[entity];
      for (let learner = 0; learner < plan.options.learners; learner += 1) yield ofLearner(plan, learner);
    }
  }
}

export function unitsOf(plan: DemoPlan, entity: RecordEntityName): number {
  if (entity === 'collections') return plan.collections.length;
  if (entity === 'batches') return plan.batches.length;
  return plan.options.learners;
}

const learnerRecords: Record<Exclude<RecordEntityName, 'collections' | 'batches'>, (plan: DemoPlan, learner: number) => JsonObject[]> = {
  users: (plan, learner) => [userOf(plan, learner)],
  enrolments: (plan, learner) => [enrolmentOf(plan, learner)],
  attempts: attemptsOf,
  consents: (plan, learner) => {
    const consent = consentOf(plan, learner);
    return consent ? [consent] : [];
  },
};

function collectionRecord(collection: DemoCollection, channel: string): JsonObject {
  return {
    id: collection.id,
    name: collection.name,
    channel,
    status: 'Live',
    userConsent: collection.userConsent,
    leafNodesCount: collection.leafIds.length,
    assessments: collection.assessments.map((a) => ({ id: a.id, name: a.name })),
  };
}

/** The demo's people of the reports page: an org admin who created every batch, and a mentor per batch. */
export const DEMO_ADMIN = 'demo-admin';
export const mentorOf = (batchId: string) => (batchId === 'demo-batch-1' ? 'demo-mentor' : `demo-mentor-${batchId.replace(/^demo-batch-/, '')}`);

function batchRecord(batch: DemoBatch): JsonObject {
  return {
    id: batch.id,
    collectionId: batch.collection.id,
    name: batch.name,
    status: batch.status,
    startDate: batch.startDate,
    endDate: batch.endDate,
    createdBy: DEMO_ADMIN,
    mentors: [mentorOf(batch.id)],
  };
}

/** Line chunks of about `chunkChars` characters, each ending with a newline; `onGroup` after each group. */
export function* demoLines(plan: DemoPlan, entity: RecordEntityName, onGroup?: (records: number) => void, chunkChars = 256 * 1024): Generator<string> {
  let chunk = '';
  for (const group of demoRecordGroups(plan, entity)) {
    for (const record of group) chunk += JSON.stringify(record) + '\n';
    onGroup?.(group.length);
    if (chunk.length >= chunkChars) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

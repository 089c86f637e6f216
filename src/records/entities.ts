// The six kinds of learning record (DESIGN §5): which file each comes from, the table it lands in,
// its natural key (the table's primary key, so a re-import updates instead of duplicating), and how
// one JSON object becomes a row. Ids are required; everything else is optional; unknown fields are
// ignored. Every column is set on every row, so a re-imported record replaces the old one whole.
import type { Tables } from '../db/database.js';
import {
  count,
  finiteNumber,
  flag,
  id,
  InvalidRecord,
  isObject,
  isoDate,
  jsonArray,
  jsonObject,
  type JsonObject,
  text,
  upperCaseWord,
  within,
  yesNoFlag,
} from './fields.js';

type RecordTables = Pick<Tables, 'record_user' | 'record_collection' | 'record_batch' | 'record_enrolment' | 'record_attempt' | 'record_consent'>;
type RecordTableName = keyof RecordTables;

/** In import order: a file's references point at files imported before it. */
export const recordEntityNames = ['users', 'collections', 'batches', 'enrolments', 'attempts', 'consents'] as const;
export type RecordEntityName = (typeof recordEntityNames)[number];

interface EntityOf<T extends RecordTableName> {
  readonly name: RecordEntityName;
  /** `<name>.jsonl` */
  readonly file: string;
  readonly table: T;
  readonly key: readonly (keyof RecordTables[T] & string)[];
  /** Throws InvalidRecord naming the field it refuses. */
  readonly toRow: (record: JsonObject) => RecordTables[T];
}

export type RecordEntity = { [T in RecordTableName]: EntityOf<T> }[RecordTableName];
export type RecordRow = RecordTables[RecordTableName];

const define = <T extends RecordTableName>(entity: Omit<EntityOf<T>, 'file'>): EntityOf<T> => ({ ...entity, file: `${entity.name}.jsonl` });

const users = define({
  name: 'users',
  table: 'record_user',
  key: ['id'],
  toRow: (r) => ({
    id: id(r, 'id'),
    first_name: text(r, 'firstName'),
    last_name: text(r, 'lastName'),
    email: text(r, 'email'),
    phone: text(r, 'phone'),
    root_org_id: text(r, 'rootOrgId'),
    org_name: text(r, 'orgName'),
    state: text(r, 'state'),
    district: text(r, 'district'),
    block: text(r, 'block'),
    cluster: text(r, 'cluster'),
    school_id: text(r, 'schoolId'),
    school_name: text(r, 'schoolName'),
    user_type: text(r, 'userType'),
    user_sub_type: text(r, 'userSubType'),
    board: text(r, 'board'),
    status: text(r, 'status'),
  }),
});

const collections = define({
  name: 'collections',
  table: 'record_collection',
  key: ['id'],
  toRow: (r) => ({
    id: id(r, 'id'),
    name: text(r, 'name'),
    channel: text(r, 'channel'),
    status: text(r, 'status'),
    user_consent: yesNoFlag(r, 'userConsent', 0),
    leaf_nodes_count: count(r, 'leafNodesCount'),
    // Only {id, name} are kept: they are all the progress report reads.
    assessments: jsonArray(r, 'assessments', (item, at) => {
      if (!isObject(item)) throw new InvalidRecord(`${at} must be an object {id, name}`);
      return within(at, () => ({ id: id(item, 'id'), name: text(item, 'name') ?? undefined }));
    }),
  }),
});

const batches = define({
  name: 'batches',
  table: 'record_batch',
  key: ['id'],
  toRow: (r) => ({
    id: id(r, 'id'),
    collection_id: id(r, 'collectionId'),
    name: text(r, 'name'),
    status: text(r, 'status'),
    start_date: isoDate(r, 'startDate'),
    end_date: isoDate(r, 'endDate'),
    created_by: text(r, 'createdBy'),
    mentors: jsonArray(r, 'mentors', (item, at) => {
      if (typeof item !== 'string' || item.trim() === '') throw new InvalidRecord(`${at} must be a user id`);
      return item;
    }),
  }),
});

const CONTENT_STATUSES = [0, 1, 2];

const enrolments = define({
  name: 'enrolments',
  table: 'record_enrolment',
  key: ['batch_id', 'user_id', 'collection_id'],
  toRow: (r) => ({
    user_id: id(r, 'userId'),
    collection_id: id(r, 'collectionId'),
    batch_id: id(r, 'batchId'),
    active: flag(r, 'active', 1),
    enrolled_date: isoDate(r, 'enrolledDate'),
    completed_on: isoDate(r, 'completedOn'),
    certificates: jsonArray(r, 'certificates'),
    content_status: jsonObject(r, 'contentStatus', (status, at) => {
      if (!CONTENT_STATUSES.includes(status as number)) throw new InvalidRecord(`${at} must be 0, 1 or 2`);
    }),
  }),
});

const attempts = define({
  name: 'attempts',
  table: 'record_attempt',
  key: ['batch_id', 'user_id', 'content_id', 'attempt_id', 'collection_id'],
  toRow: (r) => ({
    user_id: id(r, 'userId'),
    collection_id: id(r, 'collectionId'),
    batch_id: id(r, 'batchId'),
    content_id: id(r, 'contentId'),
    attempt_id: id(r, 'attemptId'),
    total_score: finiteNumber(r, 'totalScore'),
    total_max_score: finiteNumber(r, 'totalMaxScore'),
    last_attempted_on: isoDate(r, 'lastAttemptedOn'),
    questions: jsonArray(r, 'questions', (item, at) => {
      if (!isObject(item)) throw new InvalidRecord(`${at} must be an object`);
      return item;
    }),
  }),
});

const consents = define({
  name: 'consents',
  table: 'record_consent',
  key: ['object_id', 'consumer_id', 'user_id'],
  toRow: (r) => ({
    user_id: id(r, 'userId'),
    object_id: id(r, 'objectId'),
    consumer_id: id(r, 'consumerId'),
    // Required although not an id: a consent without a status must never read as ACTIVE, and
    // guessing REVOKED would hide a real consent; the line is refused instead.
    status: upperCaseWord(r, 'status', ['ACTIVE', 'REVOKED']),
    last_updated_on: isoDate(r, 'lastUpdatedOn'),
  }),
});

export const recordEntities: readonly RecordEntity[] = [users, collections, batches, enrolments, attempts, consents];

export function findRecordEntity(name: string): RecordEntity | undefined {
  return recordEntities.find((entity) => entity.name === name);
}

/** One parsed JSON line → its row, or the reason it is refused. */
export function toRecordRow(entity: RecordEntity, value: unknown): { row: RecordRow } | { reason: string } {
  if (!isObject(value)) return { reason: 'not a JSON object' };
  try {
    return { row: entity.toRow(value) };
  } catch (error) {
    if (error instanceof InvalidRecord) return { reason: error.message };
    throw error;
  }
}

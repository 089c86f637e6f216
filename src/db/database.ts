// Table types, shared by both dialects. Times are epoch milliseconds (BIGINT); JSON is stored as
// text so that one statement serves SQLite and PostgreSQL alike.
import type { Generated, Kysely } from 'kysely';
import type { Dialect } from '../config.js';
import type { WebhookDeliveryTable, WebhookTable } from '../webhooks/webhook.table.js';
import type { RowStream } from './row-stream.js';

export interface JobRequestTable {
  /** `<client tag>:<channel>` — the channel suffix keeps channels apart. */
  tag: string;
  request_id: string;
  /** The dataset id (Sunbird's column name). */
  job_id: string;
  status: string;
  /** datasetConfig as JSON text. */
  request_data: string;
  requested_by: string;
  requested_channel: string;
  output_format: string;
  dt_job_submitted: number;
  /** JSON array of relative blob keys; signed afresh at every read. */
  download_urls: string | null;
  dt_file_created: number | null;
  dt_job_completed: number | null;
  execution_time: number | null;
  err_message: string | null;
  /** Every attempt ever made (the wire's `attempts`). */
  iteration: number;
  /** Attempts since the last (re)submission that ended in an error: the retry budget. */
  submission_attempts: number;
  /** Attempts since the last (re)submission whose worker died (lease expired): a budget of its own. */
  lease_losses: Generated<number>;
  /** Progress of the build in course or last made: batches written and rows written. */
  progress_batches_done: number | null;
  progress_rows: number | null;
  /** AES-GCM ciphertext under EXHAUST_SECRET; null once the request is final. */
  encryption_key: string | null;
  last_updated: number;
  /** Earliest time a worker may claim it (backoff after a failed attempt). */
  next_attempt_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  /** The sweeper's claim (sweeper/sweeper.ts), as a lease: who holds it, and until when (epoch ms). */
  sweep_owner: Generated<string | null>;
  sweep_until: Generated<number | null>;
  /**
   * `last_updated` as it was when the sweeper removed a FAILED or CANCELLED request's artefacts: the
   * mark holds while `last_updated` still equals it, so any later change (a resubmission, a new
   * attempt) makes the request due for a sweep again without anyone resetting the mark.
   */
  swept_as_of: Generated<number | null>;
}

export interface DatasetMetadataTable {
  dataset_id: string;
  dataset_sub_id: string | null;
  dataset_config: string | null;
  visibility: string;
  dataset_type: string;
  version: string;
  authorized_roles: string;
  available_from: number | null;
  sample_request: string | null;
  sample_response: string | null;
  validation_json: string | null;
  druid_query: string | null;
  limits: string | null;
  supported_formats: string | null;
  exhaust_type: string | null;
  created_on: number;
  updated_on: number;
}

export interface ConsumerChannelTable {
  consumer_id: string;
  channel: string;
  /** 1 active, 0 revoked (kept for audit). */
  status: number;
  created_on: number;
  updated_on: number;
}

// Learning records (DESIGN §5). Dates are ISO 8601 text as imported; JSON columns are text.
export interface RecordUserTable {
  id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  root_org_id: string | null;
  org_name: string | null;
  state: string | null;
  district: string | null;
  block: string | null;
  cluster: string | null;
  school_id: string | null;
  school_name: string | null;
  user_type: string | null;
  user_sub_type: string | null;
  board: string | null;
  status: string | null;
}

export interface RecordCollectionTable {
  id: string;
  name: string | null;
  channel: string | null;
  /** Live, Unlisted or Retired. */
  status: string | null;
  /** 1 when the collection asks learners for consent to share personal data. */
  user_consent: number;
  leaf_nodes_count: number | null;
  /** JSON array of {id, name}. */
  assessments: string;
}

export interface RecordBatchTable {
  id: string;
  collection_id: string;
  name: string | null;
  status: string | null;
  start_date: string | null;
  end_date: string | null;
  /** The user who created the batch: may ask for its reports as its mentors may. */
  created_by: string | null;
  /** JSON array of the user ids mentoring the batch (null: none given). */
  mentors: string | null;
}

export interface RecordEnrolmentTable {
  user_id: string;
  collection_id: string;
  batch_id: string;
  active: number;
  enrolled_date: string | null;
  completed_on: string | null;
  /** JSON array. */
  certificates: string;
  /** JSON object contentId → 0 (not started), 1 (in progress), 2 (completed). */
  content_status: string;
}

export interface RecordAttemptTable {
  user_id: string;
  collection_id: string;
  batch_id: string;
  content_id: string;
  attempt_id: string;
  total_score: number | null;
  total_max_score: number | null;
  last_attempted_on: string | null;
  /** JSON array of questions. */
  questions: string;
}

export interface RecordConsentTable {
  user_id: string;
  /** The collection consented to. */
  object_id: string;
  /** The org (channel) the data may be shared with. */
  consumer_id: string;
  /** ACTIVE or REVOKED (stored upper-case). */
  status: string;
  last_updated_on: string | null;
}

export interface Tables {
  job_request: JobRequestTable;
  dataset_metadata: DatasetMetadataTable;
  consumer_channel: ConsumerChannelTable;
  record_user: RecordUserTable;
  record_collection: RecordCollectionTable;
  record_batch: RecordBatchTable;
  record_enrolment: RecordEnrolmentTable;
  record_attempt: RecordAttemptTable;
  record_consent: RecordConsentTable;
  signin_link: SigninLinkTable;
  service_counter: ServiceCounterTable;
  request_event: RequestEventTable;
  webhook: WebhookTable;
  webhook_delivery: WebhookDeliveryTable;
}

export interface SigninLinkTable {
  /** SHA-256 of the link's secret: the link itself is never stored. */
  token_hash: string;
  user_id: string;
  org_id: string;
  /** JSON array of role names. */
  roles: string;
  created_on: number;
  expires_at: number;
  /** When it was used; a used link opens nothing more. */
  used_on: number | null;
}

/**
 * The audit trail of a request, append-only (migration 0010): `status` events are written by the
 * database on every status change; the others by the service, naming who acted.
 */
export interface RequestEventTable {
  id: Generated<number>;
  request_id: string;
  /** The stored tag (`<tag>:<channel>`); null for a download (the link names the request only). */
  tag: string | null;
  channel: string | null;
  /** submitted, cancel-requested, links-issued, downloaded, or status. */
  kind: string;
  /** The status it moved to (status events) or had (the others). */
  status: string | null;
  previous_status: string | null;
  /** `consumer:<id>`, `user:<id>`, `admin`, or null for the service itself. */
  actor: string | null;
  /** The statusMessage at a status change, or what the action was; never a key or a signed link. */
  message: string | null;
  at: number;
}

export interface ServiceCounterTable {
  name: string;
  value: number;
}

export interface Database {
  readonly db: Kysely<Tables>;
  readonly dialect: Dialect;
  /** Reports' streaming reads: rows as arrays, in chunks (see db/row-stream.ts). */
  readonly streamRows: RowStream;
  close(): Promise<void>;
}


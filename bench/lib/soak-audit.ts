// The soak's accounting (bench/soak.ts): what the database says of every request, what the local
// blob store holds, and the figures the soak must show — nothing lost, nothing stored twice,
// nothing left behind.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { BenchSchema } from './postgres.js';

export const FINAL = ['SUCCESS', 'FAILED', 'CANCELLED', 'EXPIRED'];

/** A job_request row, as far as the soak reads it (bigint columns as numbers). */
export interface Row {
  requestId: string;
  dataset: string;
  channel: string;
  status: string;
  keys: string[];
  submittedAt: number;
  completedAt: number | null;
  executionMs: number | null;
  message: string | null;
  attempts: number;
  leaseLosses: number;
}

/** What the soak learnt from a submit answer (and a cancel answer, if it sent one). */
export interface Submitted {
  requestId: string;
  channel: string;
  big: boolean;
  /** The cancel call answered 200. */
  cancelled: boolean;
}

export async function readRows(schema: BenchSchema): Promise<Map<string, Row>> {
  const rows = await schema.query(
    `select request_id, job_id, requested_channel, status, download_urls, dt_job_submitted, dt_job_completed, execution_time, err_message,
            submission_attempts, lease_losses from job_request`,
  );
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return new Map(rows.map((r) => [r.request_id as string, {
    requestId: r.request_id,
    dataset: r.job_id,
    channel: r.requested_channel,
    status: r.status,
    keys: r.download_urls ? (JSON.parse(r.download_urls) as string[]) : [],
    submittedAt: Number(r.dt_job_submitted),
    completedAt: n(r.dt_job_completed),
    executionMs: n(r.execution_time),
    message: r.err_message,
    attempts: Number(r.submission_attempts),
    leaseLosses: Number(r.lease_losses),
  }]));
}

/** Requests not final yet. */
export async function pendingCount(schema: BenchSchema): Promise<number> {
  const [row] = await schema.query(`select count(*) as n from job_request where status not in (${FINAL.map((s) => `'${s}'`).join(', ')})`);
  return Number(row?.n ?? 0);
}

/** Every file under the local store's root (`<EXHAUST_DATA_DIR>/storage`), relative to it, '/'-separated. */
export function storedFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(relative(root, path).split(sep).join('/'));
    }
  };
  walk(root);
  return files.sort();
}

/** The store's files sorted by what they are, against the requests' final state. */
export interface StorageCheck {
  files: number;
  /** Keys of SUCCESS requests, found. */
  referenced: number;
  /** Keys of SUCCESS requests with no file: a report lost after all. */
  missing: string[];
  /** Files under a SUCCESS request's folder that its download_urls do not name. */
  duplicated: string[];
  /** Files under the folder of a request that is not SUCCESS, by its status. */
  ofUnsuccessful: Map<string, string[]>;
  /** Part files of uploads (`.tmp/…`). */
  partFiles: string[];
  /** Anything else: no request's folder at all. */
  strays: string[];
}

export function checkStorage(files: string[], rows: Map<string, Row>, container: string): StorageCheck {
  const check: StorageCheck = { files: files.length, referenced: 0, missing: [], duplicated: [], ofUnsuccessful: new Map(), partFiles: [], strays: [] };
  const present = new Set(files);
  for (const row of rows.values()) {
    if (row.status !== 'SUCCESS') continue;
    for (const key of row.keys) {
      if (present.has(`${container}/${key}`)) check.referenced += 1;
      else check.missing.push(`${container}/${key}`);
    }
  }
  for (const file of files) {
    if (file.startsWith('.tmp/')) {
      check.partFiles.push(file);
      continue;
    }
    // <container>/<dataset>/<requestId>/<file>
    const [inContainer, dataset, requestId, ...rest] = file.split('/');
    const row = requestId === undefined ? undefined : rows.get(requestId);
    if (inContainer !== container || !row || row.dataset !== dataset || rest.length === 0) {
      check.strays.push(file);
    } else if (row.status !== 'SUCCESS') {
      check.ofUnsuccessful.set(row.status, [...(check.ofUnsuccessful.get(row.status) ?? []), file]);
    } else if (!row.keys.includes(`${dataset}/${requestId}/${rest.join('/')}`)) {
      check.duplicated.push(file);
    }
  }
  return check;
}

/** Files no SUCCESS request names: everything that should have been swept or never written. */
export function leftovers(check: StorageCheck): number {
  return check.files - check.referenced;
}

export interface Accounting {
  submitted: number;
  /** Submitted requests missing from the database or not final. */
  lost: Array<{ requestId: string; status: string }>;
  statuses: Map<string, number>;
  /** FAILED requests by message. */
  failed: Map<string, number>;
  /** Cancel answered 200, but the request did not end CANCELLED. */
  cancelMismatch: string[];
  /** Rows no submit answer named. */
  unknownRows: number;
  /** Requests whose worker was killed at least once, and the most kills one request survived. */
  leaseLost: { requests: number; losses: number; most: number };
  /** Submit → claim of the build that succeeded, seconds, for SUCCESS requests. */
  waits: { small: number[]; big: number[] };
}

export function account(submitted: Submitted[], rows: Map<string, Row>): Accounting {
  const result: Accounting = {
    submitted: submitted.length,
    lost: [],
    statuses: new Map(),
    failed: new Map(),
    cancelMismatch: [],
    unknownRows: 0,
    leaseLost: { requests: 0, losses: 0, most: 0 },
    waits: { small: [], big: [] },
  };
  const ids = new Set(submitted.map((s) => s.requestId));
  result.unknownRows = [...rows.keys()].filter((id) => !ids.has(id)).length;
  for (const s of submitted) {
    const row = rows.get(s.requestId);
    if (!row || row.channel !== s.channel || !FINAL.includes(row.status)) {
      result.lost.push({ requestId: s.requestId, status: row?.status ?? 'missing' });
      continue;
    }
    result.statuses.set(row.status, (result.statuses.get(row.status) ?? 0) + 1);
    if (row.status === 'FAILED') result.failed.set(row.message ?? '(no message)', (result.failed.get(row.message ?? '(no message)') ?? 0) + 1);
    if (s.cancelled && row.status !== 'CANCELLED') result.cancelMismatch.push(`${s.requestId} ${row.status}`);
    if (row.leaseLosses > 0) {
      result.leaseLost.requests += 1;
      result.leaseLost.losses += row.leaseLosses;
      result.leaseLost.most = Math.max(result.leaseLost.most, row.leaseLosses);
    }
    if (row.status === 'SUCCESS' && row.completedAt !== null && row.executionMs !== null) {
      (s.big ? result.waits.big : result.waits.small).push((row.completedAt - row.executionMs - row.submittedAt) / 1000);
    }
  }
  return result;
}

/** Nearest-rank percentile (p in 0…1) of unsorted values; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** What the processes' logs (pino JSON lines, EXHAUST_LOG_LEVEL=info) say they did. */
export interface LogTotals {
  /** Sweeper rounds that did something, and what. */
  sweptRequests: number;
  deletedArtefacts: number;
  removedUploads: number;
  /** Requests the reapers gave back (lease expired) and failed (crash budget spent). */
  reapedRetried: number;
  reapedFailed: number;
  /** Builds stopped by a cancel (the request was PROCESSING). */
  cancelledBuilds: number;
  /** Warnings and errors by message, every process. */
  warnings: Map<string, number>;
}

export function logTotals(dir: string): LogTotals {
  const totals: LogTotals = { sweptRequests: 0, deletedArtefacts: 0, removedUploads: 0, reapedRetried: 0, reapedFailed: 0, cancelledBuilds: 0, warnings: new Map() };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.log'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      let entry: any;
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      if (entry.msg === 'swept storage') {
        totals.sweptRequests += entry.sweptRequests ?? 0;
        totals.deletedArtefacts += entry.deletedArtefacts ?? 0;
        totals.removedUploads += entry.removedUploads ?? 0;
      } else if (entry.msg === 'reaped requests whose worker stopped responding') {
        totals.reapedRetried += entry.retried ?? 0;
        totals.reapedFailed += entry.failed ?? 0;
      } else if (typeof entry.msg === 'string' && entry.msg.startsWith('request cancelled: build stopped')) {
        totals.cancelledBuilds += 1;
      }
      if (entry.level >= 40) totals.warnings.set(entry.msg, (totals.warnings.get(entry.msg) ?? 0) + 1);
    }
  }
  return totals;
}

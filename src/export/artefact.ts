// An artefact: one batch report written as `<dataset>/<requestId>/<batchId>_<reportKey>_<yyyyMMdd>.zip`
// (DESIGN §4), streamed rows → CSV → zip → blob store. The name is fixed by the request, so a redone
// request overwrites its artefacts instead of adding new ones; no plaintext copy is ever written.
import type { BlobStore } from '../storage/blob-store.js';
import { dateInZone } from '../time.js';
import { csvChunks, type Table } from './csv.js';
import { zipStream } from './zip.js';

export interface ArtefactName {
  dataset: string;
  requestId: string;
  batchId: string;
  reportKey: string;
  /** `yyyyMMdd`, see artefactDay. */
  day: string;
}

export function artefactKey(name: ArtefactName): string {
  return `${name.dataset}/${name.requestId}/${name.batchId}_${name.reportKey}_${name.day}.zip`;
}

/** The day an artefact is named after: when the request was submitted, `yyyyMMdd` in EXHAUST_TZ. */
export function artefactDay(submittedAt: number, timeZone: string): string {
  return dateInZone(submittedAt, timeZone).replaceAll('-', '');
}

/** `a/b/c_progress_20240115.zip` → `c_progress_20240115.csv`: the zip holds the CSV of its own name. */
export function csvEntryName(key: string): string {
  return (key.split('/').pop() ?? key).replace(/\.zip$/, '') + '.csv';
}

export interface WriteOptions {
  /** The request's encryptionKey: AES-256 zip; without it a plain zip. */
  password?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** Streams one report (a batch's table) into `container/key`; the object appears whole or not at all. */
export async function writeArtefact(
  store: BlobStore,
  container: string,
  key: string,
  report: Table,
  options: WriteOptions = {},
): Promise<{ key: string; size: number }> {
  const zip = zipStream(csvEntryName(key), csvChunks(report.columns, report.rows), options);
  const { size } = await store.put(container, key, zip, { contentType: 'application/zip' });
  return { key, size };
}

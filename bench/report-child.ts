// The process doing the work in the report benchmark, one step per run so that its peak RSS
// (VmHWM) is that step's alone. Configured like the service (DATABASE_URL, EXHAUST_DATA_DIR, …);
// writes its figures as JSON to BENCH_RESULT_FILE.
//
//   build <batchId> <channel> <requestedBy>  submit a progress-exhaust request through the service layer,
//                                            then Worker.runOnce(): claim → rows → CSV → AES zip → store → SUCCESS
//   cancel <batchId> <channel> <requestedBy> <afterMs>  the same build, cancelled <afterMs> into PROCESSING:
//                                            how long the worker takes to stop, and what it left in the store
//   csv <batchId> <channel> <file>           the same rows → CSV into <file>, without zip or store
//   zip <csvFile> <zipFile>                  the zip step alone: src/export/zip.ts (AES-256) on a CSV file
//   sql <batchId> <channel>                  the SQL of the report's streaming queries, parameters inlined,
//                                            for the database's own export of exactly what the report reads
import { createReadStream, createWriteStream, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { CompiledQuery } from 'kysely';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../src/config.js';
import { connectDatabase } from '../src/db/connect.js';
import { loadBatchScope } from '../src/datasets/collection/batch-scope.js';
import { progressDataset } from '../src/datasets/progress/progress.dataset.js';
import { progressRows } from '../src/datasets/progress/progress.query.js';
import { csvChunks } from '../src/export/csv.js';
import { zipStream } from '../src/export/zip.js';
import type { Caller } from '../src/auth/caller.js';
import { closeServices, openServices, type Services } from '../src/services.js';
import { findRequest } from '../src/requests/request.repository.js';
import { cancelRequestOf, type RequestContext, submitRequest } from '../src/requests/request.service.js';
import { systemClock } from '../src/time.js';
import { Worker } from '../src/worker/worker.js';
import { BENCH_PASSWORD, type ChildResult } from './lib/report-step.js';

const memory = (field: 'VmHWM' | 'VmRSS') => Number(readFileSync('/proc/self/status', 'utf8').match(new RegExp(`^${field}:\\s*(\\d+)`, 'm'))?.[1] ?? NaN);

/** The service layer as the API calls it, and a progress-exhaust request submitted through it. */
async function submitThroughService(services: Services, batchId: string, channel: string, requestedBy: string) {
  const { config } = services;
  const ctx: RequestContext = {
    db: services.databases.main.db,
    clock: systemClock,
    timeZone: config.timeZone,
    storedKeysKey: services.keys.storedKeys,
    ondemandRoles: config.signIn.ondemandRoles,
    // A new request has no artefacts: nothing to sign.
    sign: async () => ({ urls: [], expiresAt: 0 }),
  };
  const caller: Caller = { path: 'consumer', channel, consumer: 'bench' };
  const request = await submitRequest(ctx, caller, { tag: batchId, dataset: progressDataset.id, requestedBy, encryptionKey: BENCH_PASSWORD, datasetConfig: { batchId } });
  return { ctx, caller, request };
}

async function build(batchId: string, channel: string, requestedBy: string): Promise<Omit<ChildResult, 'peakRssKb' | 'startRssKb'>> {
  const config = loadConfig();
  const services = await openServices(config);
  try {
    const { request } = await submitThroughService(services, batchId, channel, requestedBy);
    const worker = new Worker(services, { concurrency: 1 });
    const started = performance.now();
    const outcome = await worker.runOnce();
    const ms = performance.now() - started;
    await worker.stop();
    if (outcome?.requestId !== request.requestId) throw new Error(`the worker claimed ${outcome?.requestId ?? 'nothing'}, not ${request.requestId}`);
    let bytes = 0;
    for (const key of outcome.keys ?? []) bytes += statSync(`${config.dataDir}/storage/${config.container}/${key}`, { throwIfNoEntry: false })?.size ?? 0;
    return { ms, status: outcome.status, bytes, ...(outcome.message ? { message: outcome.message } : {}) };
  } finally {
    await closeServices(services);
  }
}

async function cancel(batchId: string, channel: string, requestedBy: string, afterMs: number): Promise<Omit<ChildResult, 'peakRssKb' | 'startRssKb'>> {
  const config = loadConfig();
  const services = await openServices(config);
  try {
    const { ctx, caller, request } = await submitThroughService(services, batchId, channel, requestedBy);
    // The service's defaults: a progress checkpoint (where a cancel is noticed) every second.
    const worker = new Worker(services, { concurrency: 1 });
    const outcome = worker.runOnce();
    const stored = () => findRequest(ctx.db, request.tag, request.requestId);
    while ((await stored())?.status === 'SUBMITTED') await new Promise((resolve) => setTimeout(resolve, 2));
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    const asked = performance.now();
    const answer = await cancelRequestOf(ctx, caller, batchId, request.requestId).catch((err: Error) => err);
    const ended = await outcome;
    const ms = performance.now() - asked;
    await worker.stop();
    const folder = `${config.dataDir}/storage/${config.container}/${progressDataset.id}/${request.requestId}`;
    // Files only: the store's folders (.tmp/<container>/) stay.
    const filesIn = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()) : []);
    const left = [...filesIn(folder), ...filesIn(`${config.dataDir}/storage/.tmp`)];
    const rows = (await stored())?.progress_rows ?? 0;
    const message = answer instanceof Error ? `cancel refused: ${answer.message}` : `files left in the store: ${left.length}${left.length > 0 ? ` (${left.map((f) => f.name).join(', ')})` : ''}`;
    return { ms, rows, status: ended?.status ?? 'none', message };
  } finally {
    await closeServices(services);
  }
}

async function csv(batchId: string, channel: string, file: string): Promise<Omit<ChildResult, 'peakRssKb' | 'startRssKb'>> {
  const config = loadConfig();
  // Read-only, as the worker reads reports on SQLite.
  const database = connectDatabase(config.database, { readonly: config.database.dialect === 'sqlite' });
  try {
    const started = performance.now();
    let rows = 0;
    const request = { requestId: 'bench', dataset: progressDataset.id, channel, datasetConfig: { batchId }, day: '20240101' };
    for await (const report of progressDataset.reports({ database, timeZone: config.timeZone }, request)) {
      const counted = (async function* () {
        for await (const chunk of report.rows) {
          rows += chunk.length;
          yield chunk;
        }
      })();
      await pipeline(Readable.from(csvChunks(report.columns, counted)), createWriteStream(file));
    }
    return { ms: performance.now() - started, rows, bytes: statSync(file).size };
  } finally {
    await database.close();
  }
}

async function zip(csvFile: string, zipFile: string): Promise<Omit<ChildResult, 'peakRssKb' | 'startRssKb'>> {
  const started = performance.now();
  await pipeline(zipStream('report.csv', createReadStream(csvFile, { highWaterMark: 256 * 1024 }), { password: BENCH_PASSWORD }), createWriteStream(zipFile));
  return { ms: performance.now() - started, bytes: statSync(zipFile).size };
}

async function reportSql(batchId: string, channel: string): Promise<Omit<ChildResult, 'peakRssKb' | 'startRssKb'>> {
  const config = loadConfig();
  const database = connectDatabase(config.database, { readonly: config.database.dialect === 'sqlite' });
  try {
    const scope = await loadBatchScope(database.db, batchId, channel);
    if (!scope) throw new Error(`no batch ${batchId}`);
    // The queries as the report streams them, caught on their way to the database.
    const streamed: CompiledQuery[] = [];
    const spy = { ...database, streamRows: (query: CompiledQuery) => (streamed.push(query), (async function* () {})()) } as typeof database;
    for await (const chunk of progressRows(spy, scope, 1)) void chunk;
    if (streamed.length === 0) throw new Error('the report ran no query');
    const literal = (value: unknown) => (typeof value === 'number' ? String(value) : `'${String(value).replaceAll("'", "''")}'`);
    const sqls = streamed.map((compiled) => {
      const values = [...compiled.parameters];
      return config.database.dialect === 'postgres'
        ? compiled.sql.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1]))
        : compiled.sql.replace(/\?/g, () => literal(values.shift()));
    });
    return { ms: 0, sqls };
  } finally {
    await database.close();
  }
}

const [mode, ...args] = process.argv.slice(2);
const resultFile = process.env.BENCH_RESULT_FILE;
if (!resultFile) throw new Error('BENCH_RESULT_FILE is not set');
const startRssKb = memory('VmRSS');
const step = mode === 'build' ? build(args[0]!, args[1]!, args[2]!) : mode === 'cancel' ? cancel(args[0]!, args[1]!, args[2]!, Number(args[3])) : mode === 'csv' ? csv(args[0]!, args[1]!, args[2]!) : mode === 'zip' ? zip(args[0]!, args[1]!) : mode === 'sql' ? reportSql(args[0]!, args[1]!) : undefined;
if (!step) throw new Error(`unknown mode ${mode}`);
const result: ChildResult = { ...(await step), startRssKb, peakRssKb: memory('VmHWM') };
writeFileSync(resultFile, JSON.stringify(result));

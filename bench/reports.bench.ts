// Reports group: ONE batch of N enrolments (with attempts) imported with `exhaust import`, then on
// SQLite and on PostgreSQL: a progress-exhaust request built by the worker (claim → SUCCESS) in a
// child process, beside the database's own CSV export of the same joined rows; plus the zip step
// alone, our zip writer (zlib deflate, OpenSSL AES-256) beside 7-Zip on the same CSV file.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRecords, type GeneratedRecords } from './generate-records.js';
import { type BenchSchema, createBenchSchema, redactUrl } from './lib/postgres.js';
import { baseEnv, type Env, exhaust, findProgram, ROOT, run } from './lib/processes.js';
import { fixed, percent, type Section, table, thousands, verdict } from './lib/results.js';
import { BENCH_PASSWORD, type ChildResult } from './lib/report-step.js';

export interface ReportsBenchOptions {
  /** Enrolment counts, e.g. [1e5] or [1e5, 1e6]. */
  sizes: number[];
  /** Runs of each timed step; the best is kept. */
  repeat: number;
  logLevel: string;
  /** PostgreSQL server URL (a fresh schema is made in it and dropped). */
  databaseUrl: string;
}

const RATIO_TARGET = 0.5;
const RSS_TARGET_MB = 250;
const RSS_TARGET_FROM_ROWS = 1_000_000;

interface Step {
  rows: number;
  database: string;
  step: string;
  ms: number;
  peakRssKb?: number;
  /** RSS once Node and the modules were loaded, before the step. */
  startRssKb?: number;
  /** rows/s of the raw export to compare with. */
  rawRowsPerS?: number;
  targeted?: boolean;
}

interface ZipRun {
  rows: number;
  tool: string;
  csvBytes: number;
  ms: number;
  zipBytes: number;
  peakRssKb?: number | undefined;
}

interface Tools {
  /** GNU time, for the peak RSS of 7z. */
  time: string | undefined;
  sqlite3: string | undefined;
  psql: string | undefined;
  sevenZip: string | undefined;
}

export async function runReportsBench(options: ReportsBenchOptions): Promise<Section> {
  const tools: Tools = { time: existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined, sqlite3: await findProgram('sqlite3'), psql: await findProgram('psql'), sevenZip: await findProgram('7z') };
  const notes: string[] = [];
  const steps: Step[] = [];
  const zips: ZipRun[] = [];
  if (!tools.sevenZip) notes.push('7z not found: the zip comparison is skipped (apt-get install -y p7zip-full)');
  if (!tools.sqlite3) notes.push('sqlite3 not found: no raw SQLite export to compare with (apt-get install -y sqlite3)');
  if (!tools.psql) notes.push('psql not found: no raw PostgreSQL export to compare with (apt-get install -y postgresql-client)');
  for (const line of notes) log(line);

  for (const size of options.sizes) {
    const work = mkdtempSync(join(tmpdir(), 'exhaust-bench-reports-'));
    try {
      const records = await recordsFor(size, join(work, 'records'), notes);
      const csvFile = join(work, 'report.csv');
      const databases: Array<{ name: string; schema?: BenchSchema; url: string }> = [{ name: 'SQLite', url: `sqlite:${join(work, 'sqlite', 'exhaust.db')}` }];
      const pgSchema = await createBenchSchema(options.databaseUrl);
      if ('unavailable' in pgSchema) notes.push(`PostgreSQL at ${redactUrl(options.databaseUrl)} unavailable (${pgSchema.unavailable}): skipped`);
      else databases.push({ name: 'PostgreSQL', schema: pgSchema, url: pgSchema.url });
      try {
        for (const database of databases) {
          const env: Env = {
            ...baseEnv(),
            EXHAUST_DATA_DIR: join(work, database.name.toLowerCase()),
            EXHAUST_DEMO: '0',
            EXHAUST_LOG_LEVEL: options.logLevel,
            DATABASE_URL: database.url,
          };
          await measureDatabase(size, records, database, env, csvFile, options, tools, steps, notes);
        }
      } finally {
        if (!('unavailable' in pgSchema)) await pgSchema.drop().catch((error: unknown) => log(`could not drop schema ${pgSchema.schema}: ${String(error)}`));
      }
      await measureZip(size, csvFile, join(work, 'zip'), options, tools, zips);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  notes.push(
    `report: a progress-exhaust request with an encryptionKey, submitted through the service layer and built by \`Worker.runOnce()\` in a child process (claim → rows → CSV → AES-256 zip → local blob store → SUCCESS); EXHAUST_LOG_LEVEL=${options.logLevel}; best of ${options.repeat}`,
    'raw export, enrolments ⋈ users (the yardstick of the target): the database\'s own CSV export of the joined rows the report reads (active enrolments of the batch left-joined to their users, the same 15 columns, ordered by user id), to /dev/null: `sqlite3 -csv` and `psql -c "COPY (…) TO STDOUT CSV"`; best of 3. It computes no best-attempt scores',
    'raw export, the report\'s own queries: the exact SQL the report streams (parameters inlined: on SQLite the enrolments ⋈ users and the batch\'s attempts in best-first order, two reads merged in Node; on PostgreSQL one query with a ranked, grouped and pivoted join), exported the same way: what the database alone needs, the rest of the report\'s time is Node\'s',
    'rows → CSV: the same report\'s rows through src/export/csv.ts into a file, without zip or store: where the time goes',
    'peak RSS: VmHWM of the child process doing the step (Node, tsx and the modules included; "RSS before the step" is its VmRSS once they were loaded); on PostgreSQL `exhaust import` ends with VACUUM (ANALYZE) of the tables it loaded',
    `zip step: the report's CSV file zipped with src/export/zip.ts (zlib deflate level 6 on its thread pool, WinZip AES-256 with OpenSSL, in a child process) and with \`7z a -tzip -mem=AES256\` (7-Zip's defaults: deflate level 5, its own threads), to a file; best of ${options.repeat}`,
  );
  const head = ['rows', 'database', 'step', 'wall s', 'rows/s', 'peak RSS MB', 'RSS before the step MB', 'vs raw export (⋈)', 'target', 'met'];
  const rows = steps.map((s) => {
    const rowsPerS = s.rows / (s.ms / 1000);
    const ratio = s.rawRowsPerS ? rowsPerS / s.rawRowsPerS : NaN;
    const mb = (kb: number | undefined) => (kb === undefined ? NaN : (kb * 1024) / 1e6);
    const rssMb = mb(s.peakRssKb);
    const rssApplies = s.targeted && s.rows >= RSS_TARGET_FROM_ROWS;
    const target = s.targeted ? `≥ ${percent(RATIO_TARGET)} of raw${rssApplies ? `, RSS < ${RSS_TARGET_MB} MB` : ''}` : '–';
    const met = s.targeted ? (Number.isFinite(ratio) ? ratio >= RATIO_TARGET : undefined) : undefined;
    const rssMet = rssApplies ? rssMb < RSS_TARGET_MB : true;
    return [thousands(s.rows), s.database, s.step, fixed(s.ms / 1000, 2), thousands(rowsPerS), fixed(rssMb, 0), fixed(mb(s.startRssKb), 0), s.rawRowsPerS ? percent(ratio) : '–', target,
      s.targeted ? (met === undefined ? '–' : verdict(met && rssMet) + (met && !rssMet ? ' (RSS)' : '')) : '–'];
  });
  const zipHead = ['N learners', 'zip', 'CSV MB', 'wall s', 'CSV MB/s', 'zip MB', 'peak RSS MB', 'vs 7z'];
  const zipRows = zips.map((z) => {
    const sevenZip = zips.find((o) => o.rows === z.rows && o.tool.startsWith('7z'));
    return [thousands(z.rows), z.tool, fixed(z.csvBytes / 1e6, 1), fixed(z.ms / 1000, 2), fixed(z.csvBytes / 1e6 / (z.ms / 1000), 1), fixed(z.zipBytes / 1e6, 1),
      z.peakRssKb === undefined ? '–' : fixed((z.peakRssKb * 1024) / 1e6, 0), sevenZip ? percent(sevenZip.ms / z.ms) : '–'];
  });
  return {
    title: `Reports (${options.sizes.map((n) => n.toExponential(0).replace('e+', 'e')).join(', ')} learners in one batch)`,
    notes,
    tables: [table(head, rows), ...(zipRows.length > 0 ? [table(zipHead, zipRows)] : [])],
  };
}

/** The records of one batch: `exhaust demo generate` when the CLI has it, else bench/generate-records.ts. */
async function recordsFor(size: number, dir: string, notes: string[]): Promise<GeneratedRecords & { dir: string }> {
  const help = await run(process.execPath, [join(ROOT, 'bin/exhaust.js'), 'help'], baseEnv());
  if (/\bdemo\b/.test(help.stdout)) {
    const started = performance.now();
    const generated = await run(process.execPath, [join(ROOT, 'bin/exhaust.js'), 'demo', 'generate', '--learners', String(size), '--batches', '1', '--out', dir], baseEnv());
    const found = generated.code === 0 ? batchOf(dir) : undefined;
    if (found) {
      note(notes, `records: \`exhaust demo generate --learners N --batches 1\` (${fixed((performance.now() - started) / 1000, 1)} s for N=${thousands(size)})`);
      return { ...found, dir };
    }
    log(`exhaust demo generate failed (${generated.code}): ${generated.stderr.slice(0, 500)}; using bench/generate-records.ts`);
  }
  const started = performance.now();
  const generated = await generateRecords(dir, size);
  note(notes, `records: bench/generate-records.ts (\`exhaust demo generate\` was not available): one collection with 2 assessments and 10 leaves, one batch, N users each enrolled, ≈ 2.2 scored attempts per enrolment (${thousands(generated.attempts)} at N=${thousands(size)}, generated in ${fixed((performance.now() - started) / 1000, 1)} s)`);
  return { ...generated, dir };
}

/** The first batch of a generated folder, its collection and that collection's channel. */
function batchOf(dir: string): GeneratedRecords | undefined {
  const firstLine = (file: string, match: (v: Record<string, unknown>) => boolean) => {
    if (!existsSync(join(dir, file))) return undefined;
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const value = JSON.parse(line) as Record<string, unknown>;
      if (match(value)) return value;
    }
    return undefined;
  };
  const batch = firstLine('batches.jsonl', () => true);
  const collection = batch && firstLine('collections.jsonl', (c) => c.id === batch.collectionId);
  if (!batch || !collection || typeof collection.channel !== 'string') return undefined;
  return { batchId: String(batch.id), collectionId: String(batch.collectionId), channel: collection.channel, enrolments: NaN, attempts: NaN };
}

async function measureDatabase(
  size: number,
  records: GeneratedRecords & { dir: string },
  database: { name: string; schema?: BenchSchema; url: string },
  env: Env,
  csvFile: string,
  options: ReportsBenchOptions,
  tools: Tools,
  steps: Step[],
  notes: string[],
): Promise<void> {
  log(`reports: N=${thousands(size)} on ${database.name}: importing`);
  const imported = await exhaust(['import', records.dir], env);
  const sqlitePath = database.url.slice('sqlite:'.length);
  const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;
  const query = async (sql: string): Promise<string> => {
    if (database.schema) return String(Object.values((await database.schema.query(sql))[0] ?? {})[0] ?? '');
    const result = await run(tools.sqlite3 ?? 'sqlite3', [sqlitePath, sql], baseEnv());
    if (result.code !== 0) throw new Error(`sqlite3: ${result.stderr}`);
    return result.stdout.trim();
  };
  const where = `e.batch_id = ${literal(records.batchId)} and e.collection_id = ${literal(records.collectionId)} and e.active = 1`;
  const rows = Number(await query(`select count(*) from record_enrolment e where ${where}`));
  const lines = Number(await query('select (select count(*) from record_user) + (select count(*) from record_enrolment) + (select count(*) from record_attempt) + (select count(*) from record_batch) + (select count(*) from record_collection)'));
  if (!database.schema) {
    const attempts = Number(await query(`select count(*) from record_attempt where batch_id = ${literal(records.batchId)}`));
    const assessments = (JSON.parse(await query(`select assessments from record_collection where id = ${literal(records.collectionId)}`)) as unknown[]).length;
    note(notes, `data at N=${thousands(size)}: batch ${records.batchId} with ${thousands(rows)} active enrolments, ${thousands(attempts)} attempts over ${assessments} assessments (${thousands(lines)} records in all)`);
  }
  steps.push({ rows: lines, database: database.name, step: `import (\`exhaust import\`, all files; rows = records)`, ms: imported.ms });

  // The database's own export of the joined rows the report reads.
  const rawSql = `select e.user_id, e.enrolled_date, e.completed_on, e.certificates, e.content_status, u.state, u.district, u.org_name, u.school_id, u.school_name, u.block, u.cluster, u.user_type, u.user_sub_type, u.board
    from record_enrolment e left join record_user u on u.id = e.user_id where ${where} order by e.user_id`;
  // Several queries: exported one after the other by one run of the tool.
  const exportCsv = (sqls: string[]) => database.schema
    ? tools.psql && (() => run(tools.psql!, [database.schema!.baseUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sqls.map((sql) => `COPY (${sql}) TO STDOUT CSV`).join('; ')], { ...baseEnv(), PGOPTIONS: `-c search_path=${database.schema!.schema}` }, { discardStdout: true }))
    : tools.sqlite3 && (() => run(tools.sqlite3!, ['-csv', sqlitePath, sqls.join('; ')], baseEnv(), { discardStdout: true }));
  const bestExport = async (sqls: string[]) => {
    const once = exportCsv(sqls);
    if (!once) return undefined;
    return bestOf(3, async () => {
      const result = await once();
      if (result.code !== 0) throw new Error(`raw export failed: ${result.stderr}`);
      return { ms: result.ms };
    });
  };
  const tool = database.schema ? 'psql COPY … CSV' : 'sqlite3 -csv';
  let rawRowsPerS: number | undefined;
  const joined = await bestExport([rawSql]);
  if (joined) {
    rawRowsPerS = rows / (joined.ms / 1000);
    steps.push({ rows, database: database.name, step: `raw export, enrolments ⋈ users (${tool})`, ms: joined.ms });
  }
  // The report's own queries (best-attempt scores included), as the database itself runs and writes them.
  const reportSqls = (await child(['sql', records.batchId, records.channel], env)).sqls;
  const own = reportSqls ? await bestExport(reportSqls) : undefined;
  if (own) steps.push({ rows, database: database.name, step: `raw export, the report's own ${reportSqls!.length > 1 ? `${reportSqls!.length} queries` : 'query'} with scores (${tool})`, ms: own.ms, ...(rawRowsPerS ? { rawRowsPerS } : {}) });

  log(`reports: N=${thousands(size)} on ${database.name}: ${thousands(rows)} rows; building reports`);
  let attempt = 0;
  const built = await bestOf(options.repeat, async () => {
    const result = await child(['build', records.batchId, records.channel, `bench-${++attempt}`], env);
    if (result.status !== 'SUCCESS') throw new Error(`the request ended ${result.status}: ${result.message ?? ''}`);
    return result;
  });
  steps.push({ rows, database: database.name, step: 'report (claim → SUCCESS, AES zip stored)', ms: built.ms, peakRssKb: built.peakRssKb, startRssKb: built.startRssKb, ...(rawRowsPerS ? { rawRowsPerS } : {}), targeted: true });

  // Cancel in the middle of the same build: how long until its worker stops, and what it leaves.
  const into = Math.round(built.ms / 2);
  const cancelled = await child(['cancel', records.batchId, records.channel, `bench-cancel-${size}`, String(into)], env);
  note(notes, `cancel at N=${thousands(size)} on ${database.name}, asked ${into} ms into the build (half a report's time; progress checkpoints every second): the worker ended ${cancelled.status} ${Math.round(cancelled.ms)} ms later, with ${thousands(cancelled.rows ?? 0)} of ${thousands(rows)} rows recorded at its last checkpoint; ${cancelled.message ?? ''}`);

  const csv = await child(['csv', records.batchId, records.channel, csvFile], env);
  if (csv.rows !== rows) throw new Error(`the report has ${csv.rows} rows; the database counts ${rows}`);
  steps.push({ rows, database: database.name, step: 'rows → CSV only (no zip, no store)', ms: csv.ms, peakRssKb: csv.peakRssKb, startRssKb: csv.startRssKb, ...(rawRowsPerS ? { rawRowsPerS } : {}) });
}

async function measureZip(size: number, csvFile: string, dir: string, options: ReportsBenchOptions, tools: Tools, zips: ZipRun[]): Promise<void> {
  if (!existsSync(csvFile)) return;
  const csvBytes = statSync(csvFile).size;
  log(`reports: N=${thousands(size)}: zip step on ${fixed(csvBytes / 1e6, 1)} MB of CSV`);
  const env = baseEnv();
  const zipJs = await bestOf(options.repeat, async () => {
    rmSync(`${dir}-zipjs.zip`, { force: true });
    return child(['zip', csvFile, `${dir}-zipjs.zip`], env);
  });
  zips.push({ rows: size, tool: 'src/export/zip.ts: zlib deflate 6 + AES-256', csvBytes, ms: zipJs.ms, zipBytes: zipJs.bytes ?? NaN, peakRssKb: zipJs.peakRssKb });
  if (!tools.sevenZip) return;
  const sevenZip = await bestOf(options.repeat, async () => {
    rmSync(`${dir}-7z.zip`, { force: true });
    const args = ['a', '-tzip', '-mem=AES256', `-p${BENCH_PASSWORD}`, '-bd', '-bso0', '-bsp0', `${dir}-7z.zip`, csvFile];
    // GNU time prints the peak RSS (kB) of 7z on stderr.
    const result = tools.time ? await run(tools.time, ['-f', 'maxrss=%M', tools.sevenZip!, ...args], env) : await run(tools.sevenZip!, args, env);
    if (result.code !== 0) throw new Error(`7z failed: ${result.stderr}`);
    const maxRss = /maxrss=(\d+)/.exec(result.stderr)?.[1];
    return { ms: result.ms, ...(maxRss ? { peakRssKb: Number(maxRss) } : {}) };
  });
  zips.push({ rows: size, tool: '7z a -tzip -mem=AES256', csvBytes, ms: sevenZip.ms, zipBytes: statSync(`${dir}-7z.zip`).size, ...(sevenZip.peakRssKb ? { peakRssKb: sevenZip.peakRssKb } : {}) });
}

/** bench/report-child.ts in its own process; its figures come back through a file. */
async function child(args: string[], env: Env): Promise<ChildResult> {
  const resultFile = join(tmpdir(), `exhaust-bench-result-${process.pid}-${Date.now()}.json`);
  try {
    const result = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/report-child.ts'), ...args], { ...env, BENCH_RESULT_FILE: resultFile });
    if (result.code !== 0 || !existsSync(resultFile)) throw new Error(`report-child ${args[0]} exited ${result.code}: ${result.stderr.slice(-2000)}`);
    return JSON.parse(readFileSync(resultFile, 'utf8')) as ChildResult;
  } finally {
    rmSync(resultFile, { force: true });
  }
}

async function bestOf<T extends { ms: number }>(times: number, once: () => Promise<T>): Promise<T> {
  let best: T | undefined;
  for (let i = 0; i < times; i++) {
    const result = await once();
    if (!best || result.ms < best.ms) best = result;
  }
  return best!;
}

function note(notes: string[], line: string): void {
  if (!notes.includes(line)) notes.push(line);
  log(line);
}

const log = (line: string) => console.error(line);

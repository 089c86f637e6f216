// The soak: the real service as it runs in production — two `exhaust api` and three `exhaust worker`
// processes on one PostgreSQL schema and one local blob store — under a stream of requests from 20
// channels, 1 % of them cancelled, while a worker is SIGKILLed every 10 s and replaced. Then it
// waits until every request is final, lets the sweepers run, and counts what must be zero: requests
// lost, artefacts stored twice, files left behind, final requests their completion webhook did not
// announce. Never part of `npm test`; see bench/README.md.
//
//   node --import tsx bench/soak.ts                                  # 5 minutes, 2 000 requests
//   node --import tsx bench/soak.ts --minutes 0.5 --requests 200     # a short try
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { account, checkStorage, FINAL, leftovers, type LogTotals, logTotals, pendingCount, percentile, readRows, type StorageCheck, storedFiles, type Submitted } from './lib/soak-audit.js';
import { Fleet } from './lib/soak-fleet.js';
import { deliveryStates, WebhookReceiver, type WebhookTally } from './lib/soak-webhooks.js';
import { type BenchSchema, createBenchSchema, DEFAULT_BENCH_DATABASE_URL, redactUrl } from './lib/postgres.js';
import { baseEnv, type Env, exhaust } from './lib/processes.js';
import { appendSection, commandLine, fixed, machineLine, RESULTS_FILE, type Section, table, thousands } from './lib/results.js';

const USAGE = `usage: node --import tsx bench/soak.ts [options]

  --minutes <m>        length of the load and of the killing (default 5)
  --requests <n>       requests submitted in all (default 2000)
  --channels <n>       channels, each with its own batch (default 20)
  --big-channels <n>   channels that submit most requests, all in the first tenth of the run (default 2)
  --small-share <r>    share of the requests from the other channels, spread over the run (default 0.1)
  --cancel-rate <r>    share of the requests cancelled 0–5 s after their submit (default 0.01)
  --kill-every <s>     SIGKILL a worker (round robin) and start another, this often (default 10)
  --apis <n>           exhaust api processes (default 2)
  --workers <n>        exhaust worker processes (default 3)
  --lease <s>          EXHAUST_LEASE_SECONDS (default 5, the least the service accepts)
  --sweep-every <s>    EXHAUST_SWEEP_INTERVAL_SECONDS (default 5)
  --learners <n>       learners per batch: the size of one report (default 2000)
  --seed <n>           of the load's random choices (default 1)
  --drain-minutes <m>  how long to wait for every request to be final after the load (default 10)
  --keep               keep the temp folder (the processes' logs, at info; the storage) and the PostgreSQL schema
  --note <text>        a line added to the section's title
  --no-write           print the section without appending it to bench/RESULTS.md

  BENCH_DATABASE_URL   PostgreSQL server (default ${DEFAULT_BENCH_DATABASE_URL}); a fresh schema is used and dropped

Exit status 1 when any request is lost, an artefact is duplicated or missing, a file is left behind,
a request FAILED, or a cancelled request did not end CANCELLED.`;

interface Options {
  minutes: number;
  requests: number;
  channels: number;
  bigChannels: number;
  smallShare: number;
  cancelRate: number;
  killEvery: number;
  apis: number;
  workers: number;
  lease: number;
  sweepEvery: number;
  learners: number;
  seed: number;
  drainMinutes: number;
  keep: boolean;
}

/** Fixed settings of the processes, stated in the output (the soak's options add lease and sweep). */
const SETTINGS = {
  EXHAUST_WORKER_CONCURRENCY: '2',
  EXHAUST_MAX_RUNNING_PER_CHANNEL: '2',
  EXHAUST_MAX_LEASE_LOSSES: '5',
  EXHAUST_RETENTION_DAYS: '7',
  EXHAUST_WORKER_POLL_MS: '1000',
};
const CONSUMER = 'soak-portal';
const CONTAINER = 'reports';
const channelName = (c: number) => `soak-ch-${String(c + 1).padStart(2, '0')}`;
/** Channel c asks about its own batch (demo batch c + 1), whose learners belong to it. */
const batchOf = (c: number) => `demo-batch-${c + 1}`;

/** One submission of the plan, and what became of it. */
interface Planned {
  n: number;
  channel: number;
  big: boolean;
  atMs: number;
  cancelAfterMs?: number;
  requestId?: string;
  error?: string;
  cancel?: 'cancelled' | 'already final' | 'error';
}

interface Traffic {
  submitErrors: string[];
  cancelErrors: string[];
  reads: number;
  readErrors: string[];
  /** The small channels' clients, reading their request until it is final. */
  readers: Promise<void>[];
}

interface Kill {
  atS: number;
  pid: number;
  /** Requests the worker held (PROCESSING under its leases) right before it was killed. */
  holding: number;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string' }, requests: { type: 'string' }, channels: { type: 'string' }, 'big-channels': { type: 'string' },
      'small-share': { type: 'string' }, 'cancel-rate': { type: 'string' }, 'kill-every': { type: 'string' }, apis: { type: 'string' },
      workers: { type: 'string' }, lease: { type: 'string' }, 'sweep-every': { type: 'string' }, learners: { type: 'string' },
      seed: { type: 'string' }, 'drain-minutes': { type: 'string' }, keep: { type: 'boolean' },
      note: { type: 'string' }, 'no-write': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const num = (name: keyof typeof values, fallback: number, min = 0) => {
    const raw = values[name];
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return n;
  };
  const o: Options = {
    minutes: num('minutes', 5, 0.05), requests: Math.round(num('requests', 2000, 1)), channels: Math.round(num('channels', 20, 1)),
    bigChannels: Math.round(num('big-channels', 2, 1)), smallShare: num('small-share', 0.1), cancelRate: num('cancel-rate', 0.01),
    killEvery: num('kill-every', 10, 1), apis: Math.round(num('apis', 2, 1)), workers: Math.round(num('workers', 3, 1)),
    lease: Math.round(num('lease', 5, 5)), sweepEvery: Math.round(num('sweep-every', 5, 1)), learners: Math.round(num('learners', 2000, 1)),
    seed: Math.round(num('seed', 1)), drainMinutes: num('drain-minutes', 10), keep: values.keep ?? false,
  };
  if (o.bigChannels > o.channels) throw new Error('--big-channels must not exceed --channels');
  const started = new Date();
  const machine = machineLine();
  const { section, ok } = await soak(o, process.env.BENCH_DATABASE_URL || DEFAULT_BENCH_DATABASE_URL);
  if (values.note) section.title += ` — ${values.note}`;
  console.log(`\n## ${section.title}\n\n${section.notes.map((n) => `- ${n}`).join('\n')}\n\n${section.tables.join('\n\n')}\n`);
  if (!values['no-write']) {
    appendSection(section, commandLine(argv, 'bench/soak.ts'), started, machine);
    console.error(`appended to ${RESULTS_FILE}`);
  }
  console.error(ok ? 'soak: passed' : 'soak: FAILED (see the figures above)');
  return ok ? 0 : 1;
}

async function soak(o: Options, databaseUrl: string): Promise<{ section: Section; ok: boolean }> {
  const created = await createBenchSchema(databaseUrl);
  if ('unavailable' in created) throw new Error(`PostgreSQL at ${redactUrl(databaseUrl)} is unavailable: ${created.unavailable}`);
  const schema: BenchSchema = created;
  const dir = mkdtempSync(join(tmpdir(), 'exhaust-soak-'));
  const env: Env = {
    ...baseEnv(), ...SETTINGS,
    DATABASE_URL: schema.url,
    EXHAUST_DATA_DIR: join(dir, 'data'),
    EXHAUST_DEMO: '0',
    // info: the soak waits for "worker started" and counts what the logs say the workers did.
    EXHAUST_LOG_LEVEL: 'info',
    EXHAUST_ADMIN_TOKEN: 'soak-admin-token-0123456789',
    EXHAUST_LEASE_SECONDS: String(o.lease),
    EXHAUST_SWEEP_INTERVAL_SECONDS: String(o.sweepEvery),
    // The soak's webhook receiver listens on loopback.
    EXHAUST_WEBHOOK_ALLOW_PRIVATE: '1',
    HOST: '127.0.0.1',
  };
  const fleet = new Fleet(env, dir);
  const receiver = new WebhookReceiver();
  try {
    log(`soak: ${o.apis} api + ${o.workers} workers on ${redactUrl(databaseUrl)} (schema ${schema.schema}), data in ${dir}`);
    await exhaust(['migrate'], env);
    await prepareRecords(join(dir, 'records'), o, env, schema);
    for (let c = 0; c < o.channels; c++) await exhaust(['consumer', 'add', CONSUMER, channelName(c)], env);
    await fleet.startApis(o.apis);
    await receiver.start();
    await receiver.register(fleet.apis[0]!.base, env.EXHAUST_ADMIN_TOKEN!, Array.from({ length: o.channels }, (_, c) => channelName(c)));
    await fleet.startWorkers(o.workers);

    const random = mulberry32(o.seed);
    const plan = planLoad(o, random);
    const traffic: Traffic = { submitErrors: [], cancelErrors: [], reads: 0, readErrors: [], readers: [] };
    const durationMs = o.minutes * 60_000;
    log(`soak: ${plan.length} submissions over ${fixed(o.minutes, 2)} min (${plan.filter((p) => p.big).length} from ${o.bigChannels} big channels in the first ${fixed(durationMs / 10_000, 0)} s), ${plan.filter((p) => p.cancelAfterMs !== undefined).length} to cancel; a worker killed every ${o.killEvery} s`);
    const t0 = Date.now();
    const polling = { stop: false };
    const [, kills] = await Promise.all([runLoad(fleet, plan, traffic, t0, random, polling), killWorkers(fleet, schema, o, t0)]);
    log(`soak: load and killing over after ${fixed((Date.now() - t0) / 1000, 0)} s; waiting for every request to be final`);

    const drainStarted = Date.now();
    while ((await pendingCount(schema)) > 0 && Date.now() - drainStarted < o.drainMinutes * 60_000) await sleep(1000);
    const finalAt = Date.now();
    // The small channels' clients read on until their request is final (or the drain gave up).
    await sleep(1500);
    polling.stop = true;
    await Promise.all(traffic.readers);
    const storage = join(dir, 'data', 'storage');
    const before = checkStorage(storedFiles(storage), await readRows(schema), CONTAINER);
    // Every FAILED/CANCELLED request and every dead part file is a lease old now; each worker's
    // sweeper runs a round every sweep interval: two of them, and a margin.
    const sweptBy = finalAt + (o.lease + 2 * o.sweepEvery + 3) * 1000;
    log(`soak: all final ${fixed((finalAt - drainStarted) / 1000, 1)} s after the load; waiting ${fixed((sweptBy - Date.now()) / 1000, 0)} s for the sweepers`);
    await sleep(sweptBy - Date.now());
    // Deliveries a killed worker had claimed wait for their claim to run out (the timeout and 30 s).
    const deliveriesFrom = Date.now();
    while ((await deliveryStates(schema)).pending > 0 && Date.now() - deliveriesFrom < 180_000) await sleep(1000);
    const webhooks = { tally: receiver.tally, states: await deliveryStates(schema), waitS: (Date.now() - deliveriesFrom) / 1000 };
    const rows = await readRows(schema);
    const after = checkStorage(storedFiles(storage), rows, CONTAINER);
    const crashed = fleet.crashed();
    await fleet.stopAll();

    const submitted: Submitted[] = plan
      .filter((p) => p.requestId !== undefined)
      .map((p) => ({ requestId: p.requestId!, channel: channelName(p.channel), big: p.big, cancelled: p.cancel === 'cancelled' }));
    const distinct = new Set(submitted.map((s) => s.requestId)).size;
    const books = account(submitted, rows);
    const logs = logTotals(dir);
    return report(o, { databaseUrl, plan, traffic, kills, books, before, after, crashed, distinct, logs, drainS: (finalAt - drainStarted) / 1000, dir, rows, webhooks });
  } finally {
    await fleet.stopAll().catch(() => undefined);
    await receiver.close();
    if (o.keep) {
      await schema.close();
      log(`soak: kept ${dir} and schema ${schema.schema}`);
    } else {
      await schema.drop().catch((error: unknown) => log(`could not drop schema ${schema.schema}: ${String(error)}`));
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/**
 * `exhaust demo generate` with one batch per channel, owned by the first channel; each learner's root
 * org set to the channel of its batch, so that every channel's request about its own batch has rows
 * (a channel other than the collection's sees only its own users). Then `exhaust import`.
 */
async function prepareRecords(dir: string, o: Options, env: Env, schema: BenchSchema): Promise<void> {
  await exhaust(['demo', 'generate', '--learners', String(o.learners * o.channels), '--batches', String(o.channels), '--channel', channelName(0), '--seed', '1', '--out', dir], baseEnv());
  const users = join(dir, 'users.jsonl');
  const lines = readFileSync(users, 'utf8').split('\n').filter((l) => l.trim() !== '');
  writeFileSync(users, lines.map((line) => {
    const user = JSON.parse(line) as { id: string; rootOrgId?: string };
    // demo-user-<i+1> is learner i, enrolled in batch i mod <batches>.
    user.rootOrgId = channelName((Number(/(\d+)$/.exec(user.id)![1]) - 1) % o.channels);
    return JSON.stringify(user);
  }).join('\n') + '\n');
  await exhaust(['import', dir], env);
  const inScope = await schema.query(`select e.batch_id, count(*) as n from record_enrolment e join record_user u on u.id = e.user_id where e.active = 1 group by e.batch_id`);
  const rowsOf = new Map(inScope.map((r) => [r.batch_id as string, Number(r.n)]));
  const empty = Array.from({ length: o.channels }, (_, c) => batchOf(c)).filter((b) => !rowsOf.get(b));
  if (empty.length > 0) throw new Error(`batches without active enrolments (their requests would fail with No data found): ${empty.join(', ')}; raise --learners`);
}

/** Big channels' requests evenly over the first tenth of the run, the small channels' at random over it. */
function planLoad(o: Options, random: () => number): Planned[] {
  const durationMs = o.minutes * 60_000;
  const smallChannels = o.channels - o.bigChannels;
  const small = smallChannels === 0 ? 0 : Math.min(o.requests, Math.max(smallChannels, Math.round(o.requests * o.smallShare)));
  const big = o.requests - small;
  const plan: Planned[] = [];
  for (let i = 0; i < big; i++) plan.push({ n: 0, channel: i % o.bigChannels, big: true, atMs: (i / big) * durationMs * 0.1 });
  for (let j = 0; j < small; j++) plan.push({ n: 0, channel: o.bigChannels + (j % smallChannels), big: false, atMs: random() * durationMs * 0.95 });
  plan.sort((a, b) => a.atMs - b.atMs);
  plan.forEach((p, n) => (p.n = n));
  // Cancels: distinct submissions at random, each 0–5 s after its submit was answered.
  const cancels = Math.min(plan.length, Math.round(o.requests * o.cancelRate));
  const order = plan.map((_, i) => i);
  for (let i = 0; i < cancels; i++) {
    const j = i + Math.floor(random() * (order.length - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
    plan[order[i]!]!.cancelAfterMs = random() * 5000;
  }
  return plan;
}

/**
 * Submits on schedule, spread over the APIs, and cancels; returns once every submit and cancel is
 * answered. The small channels' clients then read their request until it is final (traffic.readers).
 */
async function runLoad(fleet: Fleet, plan: Planned[], traffic: Traffic, t0: number, random: () => number, polling: { stop: boolean }): Promise<void> {
  const apis = fleet.apis.map((a) => a.base);
  const api = () => apis[Math.floor(random() * apis.length)]!;
  const one = async (p: Planned) => {
    const channel = channelName(p.channel);
    const body = { request: { tag: batchOf(p.channel), dataset: 'progress-exhaust', requestedBy: `soak-${p.n}`, encryptionKey: 'soak-passphrase', datasetConfig: { batchId: batchOf(p.channel) } } };
    const submit = await call(apis[p.n % apis.length]!, 'POST', '/dataset/v1/request/submit', channel, body);
    if (submit.status !== 200 || typeof submit.body?.result?.requestId !== 'string') {
      p.error = `submit ${submit.status}: ${submit.text.slice(0, 200)}`;
      traffic.submitErrors.push(p.error);
      return;
    }
    const requestId: string = submit.body.result.requestId;
    p.requestId = requestId;
    const path = (verb: string) => `/dataset/v1/request/${verb}/${batchOf(p.channel)}?requestId=${requestId}`;
    if (p.cancelAfterMs !== undefined) {
      await sleep(p.cancelAfterMs);
      const cancel = await call(api(), 'POST', path('cancel'), channel);
      p.cancel = cancel.status === 200 ? 'cancelled' : cancel.status === 409 ? 'already final' : 'error';
      if (p.cancel === 'error') traffic.cancelErrors.push(`cancel ${cancel.status}: ${cancel.text.slice(0, 200)}`);
    }
    if (!p.big) traffic.readers.push(readUntilFinal(path('read'), channel));
  };
  const readUntilFinal = async (path: string, channel: string) => {
    for (let i = 0; !polling.stop; i++) {
      const read = await call(apis[i % apis.length]!, 'GET', path, channel);
      traffic.reads += 1;
      if (read.status !== 200) traffic.readErrors.push(`read ${read.status}: ${read.text.slice(0, 200)}`);
      else if (FINAL.includes(read.body?.result?.status)) return;
      await sleep(1000);
    }
  };
  const running: Promise<void>[] = [];
  for (const p of plan) {
    await sleep(t0 + p.atMs - Date.now());
    running.push(one(p));
  }
  await Promise.all(running);
}

/** Every `killEvery` s until the end of the run: SIGKILL of the next worker slot, a fresh process in its place. */
async function killWorkers(fleet: Fleet, schema: BenchSchema, o: Options, t0: number): Promise<Kill[]> {
  const kills: Kill[] = [];
  for (let i = 1; i * o.killEvery <= o.minutes * 60; i++) {
    await sleep(t0 + i * o.killEvery * 1000 - Date.now());
    const slot = (i - 1) % fleet.workers.length;
    const pid = fleet.workers[slot]!.child.pid!;
    // Lease owners are `<host>:<pid>:<random>#<claim>`.
    const [held] = await schema.query(`select count(*) as n from job_request where status = 'PROCESSING' and lease_owner like $1`, [`%:${pid}:%`]);
    await fleet.killAndReplace(slot);
    kills.push({ atS: (Date.now() - t0) / 1000, pid, holding: Number(held?.n ?? 0) });
  }
  return kills;
}

interface Outcome {
  databaseUrl: string;
  plan: Planned[];
  traffic: Traffic;
  kills: Kill[];
  books: ReturnType<typeof account>;
  before: StorageCheck;
  after: StorageCheck;
  crashed: string[];
  distinct: number;
  drainS: number;
  logs: LogTotals;
  dir: string;
  rows: Awaited<ReturnType<typeof readRows>>;
  webhooks: { tally: WebhookTally; states: Awaited<ReturnType<typeof deliveryStates>>; waitS: number };
}

function report(o: Options, r: Outcome): { section: Section; ok: boolean } {
  const { books, after, before } = r;
  const cancelsSent = r.plan.filter((p) => p.cancel !== undefined);
  const count = (what: Planned['cancel']) => cancelsSent.filter((p) => p.cancel === what).length;
  const unsuccessful = (c: StorageCheck) => [...c.ofUnsuccessful].map(([status, files]) => `${files.length} of ${status}`).join(', ') || 'none';
  const kinds = (c: StorageCheck) => `${c.duplicated.length} duplicated, ${unsuccessful(c)}, ${c.partFiles.length} part files, ${c.strays.length} strays`;
  const failedTotal = books.statuses.get('FAILED') ?? 0;
  const { tally, states } = r.webhooks;
  const unannounced = [...r.rows.values()].filter((row) => FINAL.includes(row.status) && !tally.announced.get(row.requestId)?.has(row.status)).map((row) => `${row.requestId} ${row.status}`);
  const checks: Array<[string, number, string]> = [
    ['requests lost (submitted, then missing or not final)', books.lost.length, r.books.lost.slice(0, 5).map((l) => `${l.requestId} ${l.status}`).join('; ')],
    ['duplicated artefacts (files under a SUCCESS request not in its download_urls)', after.duplicated.length, after.duplicated.slice(0, 5).join('; ')],
    ['missing artefacts (download_urls of SUCCESS requests without a file)', after.missing.length, after.missing.slice(0, 5).join('; ')],
    ['leftovers after the sweep (files no SUCCESS request names)', leftovers(after), leftovers(after) > 0 ? kinds(after) : ''],
    ['FAILED requests', failedTotal, [...books.failed].map(([m, n]) => `${n}× ${m}`).join('; ')],
    ['cancelled (200) but not CANCELLED at the end', books.cancelMismatch.length, books.cancelMismatch.slice(0, 5).join('; ')],
    ['final requests their webhook did not announce', unannounced.length, unannounced.slice(0, 5).join('; ')],
    ['webhook POSTs with a signature that does not verify', tally.badSignatures, ''],
    ['webhook deliveries not done (pending or given up)', states.pending + states.abandoned, states.pending + states.abandoned > 0 ? `${states.pending} pending, ${states.abandoned} abandoned` : ''],
  ];
  const ok = checks.every(([, n]) => n === 0);
  const waitRow = (name: string, w: number[]) => [name, thousands(w.length), fixed(percentile(w, 0.5), 2), fixed(percentile(w, 0.99), 2), fixed(w.length ? Math.max(...w) : NaN, 2)];
  const holding = r.kills.reduce((n, k) => n + k.holding, 0);
  const notes = [
    `database: PostgreSQL (${redactUrl(r.databaseUrl)}, fresh schema); storage: file (one temp EXHAUST_DATA_DIR shared by every process)`,
    `processes: ${o.apis} × \`exhaust api\`, ${o.workers} × \`exhaust worker\` (each with its sweeper); EXHAUST_LEASE_SECONDS=${o.lease} (renewed at each progress checkpoint, every 1 s; reaper every ${fixed(o.lease / 2, 1)} s), EXHAUST_SWEEP_INTERVAL_SECONDS=${o.sweepEvery}, ${Object.entries(SETTINGS).map(([k, v]) => `${k}=${v}`).join(', ')}, EXHAUST_LOG_LEVEL=info`,
    `records: \`exhaust demo generate\`, ${o.channels} batches of ${o.learners} learners (2 collections, owned by ${channelName(0)}), each learner's root org = the channel of its batch; channel c asks for a progress-exhaust report (with an encryptionKey) of its own batch: ${o.learners} rows, one zip`,
    `load: ${thousands(r.plan.length)} submissions (distinct requestedBy) over ${fixed(o.minutes, 2)} min from ${o.channels} channels: ${o.bigChannels} big ones ${thousands(r.plan.filter((p) => p.big).length)} requests, evenly over the first ${fixed(o.minutes * 6, 0)} s; ${o.channels - o.bigChannels} small ones ${thousands(r.plan.filter((p) => !p.big).length)}, at random over the run, each read (GET read, every 1 s) until final. Submits alternate between the APIs, reads and cancels too; seed ${o.seed}`,
    `cancels: ${cancelsSent.length} (${fixed(o.cancelRate * 100, 1)} %), each 0–5 s after its submit answer: ${count('cancelled')} cancelled (${r.logs.cancelledBuilds} of them stopped a build in progress, the others were still SUBMITTED), ${count('already final')} already final (409), ${count('error')} errors`,
    `kills: ${r.kills.length} SIGKILLs (every ${o.killEvery} s, round robin over the ${o.workers} slots, a new worker started at once); the killed workers held ${holding} PROCESSING requests between them (${r.kills.filter((k) => k.holding > 0).length} kills hit a worker holding one); ${books.leaseLost.requests} requests lost a lease (${books.leaseLost.losses} losses, at most ${books.leaseLost.most} for one request); the reapers gave back ${r.logs.reapedRetried} and failed ${r.logs.reapedFailed}`,
    `sweepers during the whole run (worker logs): ${r.logs.sweptRequests} FAILED/CANCELLED requests swept (${r.logs.deletedArtefacts} artefacts deleted), ${r.logs.removedUploads} dead part files removed`,
    `warnings and errors logged: ${[...r.logs.warnings].map(([m, n]) => `${n}× "${m}"`).join(', ') || 'none'}`,
    `traffic: ${thousands(r.plan.length - r.traffic.submitErrors.length)} submits answered 200 (${r.distinct} distinct requestIds; ${books.unknownRows} rows in the database no answer named), ${r.traffic.submitErrors.length} submit errors${r.traffic.submitErrors.length ? ` (${r.traffic.submitErrors[0]})` : ''}; ${thousands(r.traffic.reads)} reads, ${r.traffic.readErrors.length} errors${r.traffic.readErrors.length ? ` (${r.traffic.readErrors[0]})` : ''}; ${r.traffic.cancelErrors.length} cancel errors${r.traffic.cancelErrors.length ? ` (${r.traffic.cancelErrors[0]})` : ''}`,
    `end: every request final ${fixed(r.drainS, 1)} s after the load ended; then ${o.lease + 2 * o.sweepEvery + 3} s for the sweepers (a lease, two sweep intervals, 3 s). Before that wait the store held ${before.files} files: ${before.referenced} of SUCCESS requests and ${kinds(before)}`,
    `webhooks: one per channel for all four events, to a receiver in the soak (EXHAUST_WEBHOOK_ALLOW_PRIVATE=1) that answers 500 to the first POST of every tenth event id: ${thousands(tally.posts)} POSTs, ${thousands(tally.delivered)} events delivered (${thousands(states.delivered)} deliveries done in the database), ${tally.refused} refused on purpose and retried, ${tally.duplicates} sent again after a 2xx (at least once: a worker killed between its POST and its record), all done ${fixed(r.webhooks.waitS, 0)} s after the sweep wait`,
    `final statuses: ${FINAL.map((s) => `${s} ${books.statuses.get(s) ?? 0}`).join(', ')}`,
    `wait: submit → the claim of the build that succeeded (dt_job_completed − execution_time − dt_job_submitted), SUCCESS requests; a killed build's wait runs to its successful retry`,
    ...(r.crashed.length > 0 ? [`processes that died by themselves: ${r.crashed.join(' | ')}`] : []),
  ];
  const tables = [
    table(['must be 0', 'count', 'examples'], checks.map(([name, n, examples]) => [name, n, examples.replaceAll('|', '\\|') || '–'])),
    table(['wait (s)', 'requests', 'p50', 'p99', 'max'], [waitRow('small channels', books.waits.small), waitRow('big channels', books.waits.big)]),
  ];
  log(`soak: logs in ${r.dir}${o.keep ? '' : ' (deleted at exit; --keep keeps them)'}`);
  return { section: { title: `Soak (PostgreSQL, ${o.apis} api + ${o.workers} workers, ${fixed(o.minutes, 2)} min)`, notes, tables }, ok };
}

/** fetch with the consumer headers; the body parsed when it is JSON. Never throws: a failed call is status 0. */
async function call(base: string, method: 'GET' | 'POST', path: string, channel: string, body?: unknown): Promise<{ status: number; text: string; body: any }> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(base + path, {
      method,
      headers: { 'x-channel-id': channel, 'x-consumer-id': CONSUMER, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    text = await response.text();
  } catch (error) {
    return { status: 0, text: `${(error as Error).message} (${String((error as Error).cause ?? '')})`, body: undefined };
  }
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, text, body: parsed };
}

/** A small seeded PRNG: the same seed, the same load. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
const log = (line: string) => console.error(line);

process.exitCode = await main(process.argv.slice(2));

// API group: the real service (`exhaust api` in a child process) under autocannon (in this process),
// route by route, beside a bare node:http server answering a fixed JSON body of the same size, also
// in a child. Only one server runs at a time: bare, service, bare again (the ratio uses their mean,
// which evens out a machine that got busier or quieter during the run).
import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchSchema, createBenchSchema, redactUrl } from './lib/postgres.js';
import { baseEnv, type Env, exhaust, freePort, startChild, stopChild, waitForHttp } from './lib/processes.js';
import { fixed, percent, type Section, table, thousands, verdict } from './lib/results.js';

export interface ApiBenchOptions {
  /** Seconds measured per route. */
  durationS: number;
  /** Seconds of load before each measurement, discarded. */
  warmupS: number;
  connections: number;
  logLevel: string;
  /** PostgreSQL server URL; SQLite when undefined. */
  databaseUrl: string | undefined;
}

const CHANNEL = 'bench.channel';
const CONSUMER = 'bench-portal';
const LIST_TAG = 'bench-batch';
const SEEDED = 20;
const LIST_LIMIT = 10;
const LISTING_DAYS = 5;
const HEADERS = { 'x-channel-id': CHANNEL, 'x-consumer-id': CONSUMER, 'content-type': 'application/json' };

const submitBody = (tag: string, requestedBy: string) => JSON.stringify({
  request: {
    tag,
    dataset: 'progress-exhaust',
    requestedBy,
    encryptionKey: 'a-strong-passphrase',
    datasetConfig: { batchId: tag },
  },
});

interface Case {
  name: string;
  what: string;
  requests: AutocannonRequest[];
  /** Lowest acceptable req/s as a share of bare; p99 ceiling in ms. */
  target?: { ratio: number; p99Ms?: number };
}

interface Measured {
  name: string;
  what: string;
  result: AutocannonResult;
  /** The server's CPU time over the measured requests. */
  cpuUsPerRequest: number;
  target?: Case['target'];
}

export async function runApiBench(options: ApiBenchOptions): Promise<Section> {
  const dir = mkdtempSync(join(tmpdir(), 'exhaust-bench-api-'));
  let schema: BenchSchema | undefined;
  const notes: string[] = [];
  try {
    const env: Env = {
      ...baseEnv(),
      EXHAUST_DATA_DIR: join(dir, 'data'),
      EXHAUST_DEMO: '0',
      EXHAUST_LOG_LEVEL: options.logLevel,
      EXHAUST_ADMIN_TOKEN: 'bench-admin-token-0123456789',
      HOST: '127.0.0.1',
    };
    if (options.databaseUrl) {
      const created = await createBenchSchema(options.databaseUrl);
      if ('unavailable' in created) throw new Error(`PostgreSQL at ${redactUrl(options.databaseUrl)} is unavailable: ${created.unavailable}`);
      schema = created;
      env.DATABASE_URL = schema.url;
    }
    const database = schema ? `PostgreSQL (${redactUrl(options.databaseUrl!)}, fresh schema)` : 'SQLite (file in a temp EXHAUST_DATA_DIR)';
    log(`api: ${database}; ${options.connections} connections, ${options.durationS} s per route after ${options.warmupS} s warm-up`);

    await exhaust(['migrate'], env);
    await exhaust(['consumer', 'add', CONSUMER, CHANNEL], env);
    const listing = await publishDailyFiles(dir, env);

    // 1. The service, to seed data and learn the size of a real read answer.
    const seeded = await withService(env, async (base) => seed(base));
    const readBody = seeded.readBody;

    const cases: Case[] = [
      {
        name: 'read',
        what: `GET read of one SUBMITTED request (no links to sign)`,
        requests: [{ method: 'GET', path: `/dataset/v1/request/read/${LIST_TAG}?requestId=${seeded.requestId}` }],
        target: { ratio: 0.5, p99Ms: 25 },
      },
      {
        name: 'list',
        what: `GET list of a tag holding ${SEEDED} requests, limit=${LIST_LIMIT}`,
        requests: [{ method: 'GET', path: `/dataset/v1/request/list/${LIST_TAG}?limit=${LIST_LIMIT}` }],
        target: { ratio: 0.5, p99Ms: 25 },
      },
      {
        name: 'standard listing',
        what: `GET /dataset/get/summary-rollup over ${LISTING_DAYS + 1} days holding ${LISTING_DAYS} files (signed links)`,
        requests: [{ method: 'GET', path: `/dataset/get/summary-rollup?from=${listing.from}&to=${listing.to}` }],
      },
      {
        name: 'submit (dedup)',
        what: 'POST submit, identical body every time: the same requestId, the existing row is found and returned',
        requests: [{ method: 'POST', path: '/dataset/v1/request/submit', body: submitBody('bench-dedup', 'mentor-1') }],
        target: { ratio: 0.25 },
      },
      {
        name: 'submit (insert)',
        what: 'POST submit, a distinct requestedBy per request: a new requestId, a new row each time',
        requests: [{ method: 'POST', path: '/dataset/v1/request/submit', setupRequest: insertingBodies() }],
        target: { ratio: 0.25 },
      },
    ];

    // 2. bare, service, bare.
    const bareBefore = await withBare(readBody, (base, pid) => measure(base, pid, bareCase, options));
    const routes: Measured[] = [];
    await withService(env, async (base, pid) => {
      for (const c of cases) routes.push(await measure(base, pid, c, options));
    });
    const bareAfter = await withBare(readBody, (base, pid) => measure(base, pid, bareCase, options));

    const bareRps = (rps(bareBefore.result) + rps(bareAfter.result)) / 2;
    const bareCpu = (bareBefore.cpuUsPerRequest + bareAfter.cpuUsPerRequest) / 2;
    notes.push(
      `database: ${database}; EXHAUST_LOG_LEVEL=${options.logLevel} (one access line per request is logged at info, so warn keeps logging out of the figures)`,
      `load: autocannon 9.0.0 in the bench process, ${options.connections} connections, ${options.durationS} s per route after a ${options.warmupS} s warm-up; the server in a child process (\`exhaust api\`, no worker); one server at a time, all on 127.0.0.1`,
      `bare: node:http in a child process answering a fixed ${readBody.length}-byte JSON body (the size of the read answer), run before and after the routes; ratios are to the mean of the two (${thousands(rps(bareBefore.result))} and ${thousands(rps(bareAfter.result))} req/s)`,
      `server CPU µs/req: the server process's user + system CPU (all its threads, /proc/<pid>/stat) over the measured requests; steadier than req/s when the machine's other load slows the load generator. "CPU vs bare" divides it by the bare server's (${fixed(bareCpu, 0)} µs)`,
      'submit: "dedup" sends the identical body (same requestedBy, so the same requestId: the dedup path); "insert" gives every request its own requestedBy (a new row each)',
      ...cases.map((c) => `${c.name}: ${c.what}`),
    );
    const head = ['route', 'req/s', 'p50 ms', 'p99 ms', 'vs bare', 'target', 'met', 'server CPU µs/req', 'CPU vs bare', 'non-2xx / errors'];
    const rows = [bareBefore, ...routes, bareAfter].map((m, i, all) => {
      const label = m.name === 'bare' ? (i === 0 ? 'bare node:http (before)' : i === all.length - 1 ? 'bare node:http (after)' : 'bare') : m.name;
      const ratio = rps(m.result) / bareRps;
      const met = m.target ? ratio >= m.target.ratio && (m.target.p99Ms === undefined || m.result.latency.p99 < m.target.p99Ms) : undefined;
      const target = m.target ? `≥ ${percent(m.target.ratio)}${m.target.p99Ms ? `, p99 < ${m.target.p99Ms} ms` : ''}` : '–';
      return [label, thousands(rps(m.result)), fixed(m.result.latency.p50, 0), fixed(m.result.latency.p99, 0), percent(ratio), target, verdict(met), fixed(m.cpuUsPerRequest, 0), `${fixed(m.cpuUsPerRequest / bareCpu, 1)}×`, `${m.result.non2xx} / ${m.result.errors + m.result.timeouts}`];
    });
    return { title: `API (${schema ? 'PostgreSQL' : 'SQLite'})`, notes, tables: [table(head, rows)] };
  } finally {
    await schema?.drop().catch((error: unknown) => log(`could not drop schema ${schema?.schema}: ${String(error)}`));
    rmSync(dir, { recursive: true, force: true });
  }

  async function withService<T>(env: Env, body: (base: string, pid: number) => Promise<T>): Promise<T> {
    const port = await freePort();
    const server = startChild(['bin/exhaust.js', 'api'], { ...env, PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${base}/health`, server.child, server.output);
      return await body(base, server.child.pid!);
    } finally {
      await stopChild(server.child);
    }
  }
}

const bareCase: Case = { name: 'bare', what: 'node:http, fixed body', requests: [{ method: 'GET', path: '/' }] };

async function withBare<T>(body: string, run: (base: string, pid: number) => Promise<T>): Promise<T> {
  const port = await freePort();
  const server = startChild(['--import', 'tsx', 'bench/bare-server.ts'], { ...baseEnv(), PORT: String(port), BENCH_BARE_BODY: body });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(base, server.child, server.output);
    return await run(base, server.child.pid!);
  } finally {
    await stopChild(server.child);
  }
}

async function measure(base: string, pid: number, c: Case, options: ApiBenchOptions): Promise<Measured> {
  const settings = { url: base, connections: options.connections, headers: HEADERS, requests: c.requests, timeout: 10 };
  if (options.warmupS > 0) await autocannon({ ...settings, duration: options.warmupS });
  const cpuBefore = cpuSeconds(pid);
  const result = await autocannon({ ...settings, duration: options.durationS });
  const cpuUsPerRequest = ((cpuSeconds(pid) - cpuBefore) * 1e6) / result.requests.total;
  log(`  ${c.name.padEnd(18)} ${thousands(rps(result)).padStart(7)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  ${fixed(cpuUsPerRequest, 0)} µs CPU/req  non-2xx ${result.non2xx}  errors ${result.errors}`);
  return { name: c.name, what: c.what, result, cpuUsPerRequest, ...(c.target ? { target: c.target } : {}) };
}

/**
 * User + system CPU of a process, all its threads, in seconds (/proc/<pid>/stat fields 14 and 15,
 * in USER_HZ = 100 ticks on Linux). Per request it is steadier than req/s on a shared machine: it
 * does not move when the load generator is slowed down.
 */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Completed requests per second over the measured duration (warm-up excluded). */
const rps = (result: AutocannonResult) => result.requests.average;

/** A distinct requestedBy per request (insert path), unique across warm-up and measurement. */
function insertingBodies(): AutocannonRequest['setupRequest'] {
  let n = 0;
  return (request) => ({ ...request, body: submitBody('bench-insert', `learner-${++n}`) });
}

/** Some requests of one tag so read and list have rows; returns a requestId and the read answer. */
async function seed(base: string): Promise<{ requestId: string; readBody: string }> {
  let requestId = '';
  for (let i = 0; i < SEEDED; i++) {
    const response = await fetch(`${base}/dataset/v1/request/submit`, { method: 'POST', headers: HEADERS, body: submitBody(LIST_TAG, `seed-${i}`) });
    const answer = (await response.json()) as { result?: { requestId?: string } };
    if (response.status !== 200 || !answer.result?.requestId) throw new Error(`seeding submit failed (${response.status}): ${JSON.stringify(answer)}`);
    requestId ||= answer.result.requestId;
  }
  const read = await fetch(`${base}/dataset/v1/request/read/${LIST_TAG}?requestId=${requestId}`, { headers: HEADERS });
  const readBody = await read.text();
  if (read.status !== 200) throw new Error(`read failed (${read.status}): ${readBody}`);
  return { requestId, readBody };
}

/** One summary-rollup file a day for the last LISTING_DAYS days (before today, UTC). */
async function publishDailyFiles(dir: string, env: Env): Promise<{ from: string; to: string }> {
  const files = join(dir, 'publish');
  mkdirSync(files, { recursive: true });
  const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
  for (let offset = 1; offset <= LISTING_DAYS; offset++) {
    const file = join(files, `summary-${offset}.csv`);
    writeFileSync(file, 'channel,date,sessions\n' + `${CHANNEL},${day(offset)},${offset * 100}\n`.repeat(50));
    await exhaust(['publish', file, '--dataset', 'summary-rollup', '--date', day(offset), '--channel', CHANNEL], env);
  }
  return { from: day(LISTING_DAYS), to: day(0) };
}

const log = (line: string) => console.error(line);

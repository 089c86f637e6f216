// `npm run bench [-- <group>…] [options]`: runs the benchmark groups and appends each group's
// figures to bench/RESULTS.md. Never part of `npm test`. See bench/README.md.
import { parseArgs } from 'node:util';
import { runApiBench } from './api.bench.js';
import { DEFAULT_BENCH_DATABASE_URL } from './lib/postgres.js';
import { appendSection, commandLine, machineLine, RESULTS_FILE, type Section } from './lib/results.js';
import { runProcessBench } from './process.bench.js';
import { runReportsBench } from './reports.bench.js';

const GROUPS = ['api', 'reports', 'process'] as const;
type Group = (typeof GROUPS)[number];

const USAGE = `usage: npm run bench [-- [api] [reports] [process] [options]]   (no group: all three)

  --duration <s>     seconds measured per API route (default 10; BENCH_DURATION)
  --warmup <s>       seconds of discarded load before each API route (default 2; BENCH_WARMUP)
  --connections <n>  autocannon connections (default 50; BENCH_CONNECTIONS)
  --log-level <l>    EXHAUST_LOG_LEVEL of the service (default warn; BENCH_LOG_LEVEL)
  --full             reports at 10^5 and 10^6 enrolments (default 10^5 only)
  --rows <n,…>       reports at these enrolment counts instead
  --repeat <n>       report builds per database, best kept (default 2)
  --note <text>      a line added to each section's title (e.g. "trial on a busy machine")
  --no-write         print the sections without appending them to bench/RESULTS.md

  --calls <n>        process: CLI calls timed per command (default 10)

  BENCH_EXHAUST_BIN   process: measure this exhaust command instead (e.g. an older checkout's bin/exhaust.js)
  BENCH_DATABASE_URL  API: run on this PostgreSQL server (default SQLite);
                      reports: PostgreSQL server to compare (default ${DEFAULT_BENCH_DATABASE_URL})`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'log-level': { type: 'string' },
      full: { type: 'boolean' },
      rows: { type: 'string' },
      repeat: { type: 'string' },
      calls: { type: 'string' },
      note: { type: 'string' },
      'no-write': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const unknown = positionals.filter((p) => !(GROUPS as readonly string[]).includes(p));
  if (unknown.length > 0) {
    console.error(`bench: unknown group ${unknown.join(', ')}\n\n${USAGE}`);
    return 2;
  }
  const groups: Group[] = positionals.length > 0 ? [...new Set(positionals as Group[])] : [...GROUPS];
  const number = (raw: string | undefined, fallback: number, name: string) => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
    return n;
  };
  const started = new Date();
  const command = commandLine(argv);
  // The machine line (its load average) as each group starts, not once it has loaded the machine.
  let machine = '';
  const write = (section: Section) => {
    if (values.note) section.title += ` — ${values.note}`;
    if (!values['no-write']) appendSection(section, command, started, machine);
    console.log(`\n## ${section.title}\n\n${section.notes.map((n) => `- ${n}`).join('\n')}\n\n${section.tables.join('\n\n')}\n`);
  };

  for (const group of groups) {
    machine = machineLine();
    if (group === 'api') {
      write(await runApiBench({
        durationS: number(values.duration ?? process.env.BENCH_DURATION, 10, '--duration'),
        warmupS: number(values.warmup ?? process.env.BENCH_WARMUP, 2, '--warmup'),
        connections: number(values.connections ?? process.env.BENCH_CONNECTIONS, 50, '--connections'),
        logLevel: values['log-level'] ?? process.env.BENCH_LOG_LEVEL ?? 'warn',
        databaseUrl: process.env.BENCH_DATABASE_URL || undefined,
      }));
    } else if (group === 'process') {
      write(await runProcessBench({ calls: Math.max(1, number(values.calls, 10, '--calls')), settleMs: 5000 }));
    } else {
      const sizes = values.rows ? values.rows.split(',').map((s) => number(s.trim(), 0, '--rows')) : values.full ? [100_000, 1_000_000] : [100_000];
      write(await runReportsBench({
        sizes,
        repeat: Math.max(1, number(values.repeat, 2, '--repeat')),
        logLevel: values['log-level'] ?? process.env.BENCH_LOG_LEVEL ?? 'warn',
        databaseUrl: process.env.BENCH_DATABASE_URL || DEFAULT_BENCH_DATABASE_URL,
      }));
    }
  }
  if (!values['no-write']) console.error(`appended to ${RESULTS_FILE}`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));

// The service as a process: how long a CLI call takes from start to exit, and how much memory an
// idle `exhaust start` holds. Each call is a fresh `node` process, timed from spawn to exit, beside
// `node -e 0` (Node's own floor on this machine). BENCH_EXHAUST_BIN measures another build of the
// command (e.g. an older checkout), for before/after figures taken in one hour.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseEnv, BIN, freePort, run, startChild, stopChild, waitForHttp } from './lib/processes.js';
import { fixed, type Section, table } from './lib/results.js';

export interface ProcessBenchOptions {
  /** Calls timed per command; the median and the slowest are reported. */
  calls: number;
  /** How long `exhaust start` idles before its RSS is read, ms. */
  settleMs: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rssKb = (pid: number, field: 'VmRSS' | 'VmHWM') => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s*(\\d+)`, 'm'))?.[1] ?? NaN);

export async function runProcessBench(options: ProcessBenchOptions): Promise<Section> {
  const bin = process.env.BENCH_EXHAUST_BIN || BIN;
  const dataDir = mkdtempSync(join(tmpdir(), 'exhaust-bench-process-'));
  const env = { ...baseEnv(), EXHAUST_DATA_DIR: dataDir, EXHAUST_LOG_LEVEL: 'warn', EXHAUST_DEMO: '0' };
  try {
    // Creates the database (and the generated secret), so that every timed call finds them.
    const first = await run(process.execPath, [bin, 'migrate'], env);
    if (first.code !== 0) throw new Error(`exhaust migrate failed: ${first.stderr}`);
    const calls: [string, string[]][] = [
      ['node -e 0 (Node alone)', ['-e', '0']],
      ['exhaust help', [bin, 'help']],
      ['exhaust consumer list', [bin, 'consumer', 'list']],
      ['exhaust migrate (up to date)', [bin, 'migrate']],
    ];
    const rows: (string | number)[][] = [];
    for (const [name, args] of calls) {
      const times: number[] = [];
      for (let i = 0; i < options.calls; i++) {
        const result = await run(process.execPath, args, env);
        if (result.code !== 0) throw new Error(`${name} exited ${result.code}: ${result.stderr}`);
        times.push(result.ms);
      }
      rows.push([name, fixed(median(times) / 1000, 3), fixed(Math.max(...times) / 1000, 3)]);
    }

    const port = await freePort();
    const server = startChild([bin, 'start'], { ...env, PORT: String(port) });
    let idle: (string | number)[];
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health`, server.child, server.output);
      await new Promise((resolve) => setTimeout(resolve, options.settleMs));
      const pid = server.child.pid!;
      idle = ['exhaust start, idle (API + worker, SQLite, file store)', fixed(rssKb(pid, 'VmRSS') / 1024, 0), fixed(rssKb(pid, 'VmHWM') / 1024, 0)];
    } finally {
      await stopChild(server.child);
    }
    return {
      title: 'Process: CLI start-up and idle memory',
      notes: [
        `command measured: ${bin === BIN ? 'bin/exhaust.js of this checkout' : `BENCH_EXHAUST_BIN=${bin}`}`,
        `${options.calls} calls per command, each a fresh process timed from spawn to exit; idle RSS read ${options.settleMs / 1000} s after /health first answered`,
      ],
      tables: [
        table(['call', 'median wall, s', 'slowest, s'], rows),
        table(['process', 'RSS, MB', 'peak RSS (VmHWM), MB'], [idle]),
      ],
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

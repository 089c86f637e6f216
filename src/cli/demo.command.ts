// `exhaust demo generate …`: writes realistic, deterministic learning records as the JSON Lines
// files `exhaust import <dir>` reads. Needs no database.
import cliProgress from 'cli-progress';
import { mkdirSync, statSync } from 'node:fs';
import { type DemoProgress, writeDemoFiles } from '../demo/demo-files.js';
import { type DemoOptions, planDemo } from '../demo/demo-plan.js';
import { parseCommandArgs } from './args.js';
import { UsageError } from './usage-error.js';

const USAGE =
  'usage: exhaust demo generate --learners <n> --batches <n> --out <dir> [--collections <n>] [--seed <n>] [--channel <channel>]';

/** 0 written, 2 usage. */
export async function demoCommand(args: string[]): Promise<number> {
  const { options, out } = parse(args);
  const started = Date.now();
  const bar = progressBar();
  let counts;
  try {
    counts = await writeDemoFiles(planDemo(options), out, bar);
  } finally {
    bar?.stop();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const written = Object.entries(counts).map(([file, n]) => `${file}=${n}`).join(' ');
  console.log(`generated ${written} in ${out} (seed ${options.seed}, channel ${options.channel}) in ${seconds} s`);
  return 0;
}

function parse(args: string[]): { options: DemoOptions; out: string } {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      learners: { type: 'string' },
      batches: { type: 'string' },
      collections: { type: 'string' },
      seed: { type: 'string' },
      channel: { type: 'string' },
      out: { type: 'string' },
    },
    USAGE,
  );
  if (positionals.length !== 1 || positionals[0] !== 'generate') throw new UsageError(USAGE);
  if (values.out === undefined || values.out === '') throw new UsageError(`--out is required; ${USAGE}`);
  const learners = integer('--learners', values.learners, undefined, 1, 100_000_000);
  const batches = integer('--batches', values.batches, undefined, 1, 100_000);
  const options: DemoOptions = {
    learners,
    batches,
    collections: integer('--collections', values.collections, Math.min(2, batches), 1, 10_000),
    seed: integer('--seed', values.seed, 1, 0, 2 ** 32 - 1),
    channel: values.channel ?? 'demo-channel',
  };
  // Batch b belongs to collection b mod C: a collection beyond the batches would have no learners.
  if (options.collections > batches) throw new UsageError(`--collections (${options.collections}) must not exceed --batches (${batches})`);
  if (!/^[A-Za-z0-9_.-]{1,200}$/.test(options.channel)) throw new UsageError('--channel must be 1–200 letters, digits or _ . -');
  return { options, out: outputDir(values.out) };
}

function integer(name: string, raw: string | undefined, fallback: number | undefined, min: number, max: number): number {
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`${name} is required; ${USAGE}`);
    return fallback;
  }
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function outputDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true });
    if (statSync(dir).isDirectory()) return dir;
  } catch {
    // reported below
  }
  throw new UsageError(`--out ${dir} is not a directory that can be written to`);
}

/** A bar on stderr per file, only for a person watching: logs and pipes stay clean. */
function progressBar(): (DemoProgress & { stop(): void }) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: '{file} [{bar}] {percentage}% | {value}/{total} {unit} | ETA {eta_formatted}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    startFile(file, units) {
      if (running) bar.stop();
      running = true;
      const unit = file === 'collections.jsonl' ? 'collections' : file === 'batches.jsonl' ? 'batches' : 'learners';
      bar.start(units, 0, { file: file.padEnd(17), unit });
    },
    advance: (units) => bar.increment(units),
    stop: () => {
      if (running) bar.stop();
      running = false;
    },
  };
}

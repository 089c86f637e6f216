// What a benchmark section says about the machine, and how it is appended to bench/RESULTS.md.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export const RESULTS_FILE = fileURLToPath(new URL('../RESULTS.md', import.meta.url));

const HEADER = `# Benchmark results

Appended by \`npm run bench\` (see bench/README.md); newest last. Each section names the machine,
the exact command and the settings; compare figures only within one section: the load generator
and the server share the machine's cores, so ratios taken in one run are what carries over.
`;

export interface Section {
  title: string;
  /** Bullet lines under the machine line. */
  notes: string[];
  /** Markdown tables (each already rendered). */
  tables: string[];
}

export function machineLine(): string {
  const cpuModel = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown CPU';
  const gib = (totalmem() / 1024 ** 3).toFixed(1);
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  return `machine: nproc ${nproc()}, ${cpuModel}, ${gib} GiB memory, Node ${process.version}, ${process.platform}/${process.arch}; load average at start ${load}`;
}

function nproc(): number {
  try {
    // nproc counts the CPUs this process may use (affinity), as the command does.
    return readFileSync('/proc/self/status', 'utf8').match(/^Cpus_allowed_list:\s*(.+)$/m)?.[1]?.split(',')
      .reduce((n, range) => {
        const [a, b] = range.split('-').map(Number);
        return n + (b === undefined ? 1 : b! - a! + 1);
      }, 0) ?? cpus().length;
  } catch {
    return cpus().length;
  }
}

/** The command as a person would type it again (`script`: the bench entry that was run). */
export function commandLine(argv: string[], script = 'bench/run.ts'): string {
  const args = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ');
  const env = ['BENCH_DATABASE_URL', 'BENCH_DURATION', 'BENCH_WARMUP', 'BENCH_CONNECTIONS', 'BENCH_LOG_LEVEL']
    .filter((name) => process.env[name])
    .map((name) => `${name}=${name === 'BENCH_DATABASE_URL' ? '<url>' : process.env[name]} `)
    .join('');
  return process.env.npm_lifecycle_event === 'bench' ? `${env}npm run bench${args ? ` -- ${args}` : ''}` : `${env}node --import tsx ${script} ${args}`.trim();
}

export function table(head: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.map(String).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** `machine`: machineLine() as it was when the measurement started (its load average); default now. */
export function appendSection(section: Section, command: string, started: Date, machine = machineLine()): void {
  if (!existsSync(RESULTS_FILE)) writeFileSync(RESULTS_FILE, HEADER);
  const stamp = started.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
  const text = [
    '',
    `## ${stamp} — ${section.title}`,
    '',
    `- ${machine}`,
    `- command: \`${command}\``,
    ...section.notes.map((n) => `- ${n}`),
    '',
    ...section.tables.flatMap((t) => [t, '']),
  ].join('\n');
  appendFileSync(RESULTS_FILE, text);
}

// Figures as people read them.
export const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
export const thousands = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
export const percent = (ratio: number) => (Number.isFinite(ratio) ? `${Math.round(ratio * 100)} %` : '–');
export const verdict = (ok: boolean | undefined) => (ok === undefined ? '–' : ok ? 'yes' : '**no**');

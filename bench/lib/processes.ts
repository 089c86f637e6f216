// Child processes for the benchmarks: the real `exhaust` command, helper scripts run through tsx,
// and the small waits around them. Servers always run in a child so that the bench process (which
// drives the load) and the server are measured as separate processes.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/exhaust.js', import.meta.url));

export type Env = Record<string, string>;

/** Only what a child needs: the bench's own environment (and any DATABASE_URL in it) stays out. */
export const baseEnv = (): Env => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' });

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to its end; stdout can be discarded (`/dev/null`) for raw exports. */
export function run(command: string, args: string[], env: Env, options: { discardStdout?: boolean; cwd?: string } = {}): Promise<RunResult> {
  const started = performance.now();
  const child = spawn(command, args, { env, cwd: options.cwd ?? ROOT, stdio: ['ignore', options.discardStdout ? 'ignore' : 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

/** `exhaust <args>`; throws with its output when it fails. */
export async function exhaust(args: string[], env: Env): Promise<RunResult> {
  const result = await run(process.execPath, [BIN, ...args], env);
  if (result.code !== 0) throw new Error(`exhaust ${args.join(' ')} exited ${result.code}: ${result.stderr || result.stdout}`);
  return result;
}

/**
 * A long-running child (a server); the tail of its output is kept for the error message if it dies,
 * and all of it appended to `logFile` when one is given.
 */
export function startChild(args: string[], env: Env, options: { logFile?: string } = {}): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' });
  if (log) child.once('close', () => log.end());
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + String(d)).slice(-4000);
    log?.write(d);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, output: () => output };
}

/** SIGTERM, then SIGKILL if it has not gone within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Polls `url` until it answers 200, failing early if the child dies. */
export async function waitForHttp(url: string, child: ChildProcess, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before answering: ${output()}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms: ${output()}`);
}

/** A free TCP port on loopback (asked of the kernel, then released for the child to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `which`: the full path of a program on PATH, or undefined. */
export async function findProgram(name: string): Promise<string | undefined> {
  const result = await run('sh', ['-c', `command -v ${name}`], baseEnv()).catch(() => undefined);
  const path = result?.stdout.trim();
  return result?.code === 0 && path ? path : undefined;
}

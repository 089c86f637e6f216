// Runs the real `exhaust` command in a child process.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from './databases.js';

export const BIN = fileURLToPath(new URL('../../bin/exhaust.js', import.meta.url));

/** DATABASE_URL for a test database. */
export const databaseUrlOf = (database: TestDatabase) =>
  database.settings.dialect === 'sqlite' ? `sqlite:${database.settings.url}` : database.settings.url;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function spawnExhaust(args: string[], env: Record<string, string>): ChildProcess {
  // Only what the command needs: the test runner's own variables stay out.
  return spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runExhaust(args: string[], env: Record<string, string>): Promise<CliResult> {
  const child = spawnExhaust(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

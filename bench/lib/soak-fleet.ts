// The processes of the soak (bench/soak.ts): `exhaust api` on several ports and `exhaust worker`s,
// all children of the soak on one database and one EXHAUST_DATA_DIR. A worker slot can be killed
// (SIGKILL: no grace, no release of its leases) and given a fresh process at once.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { type Env, freePort, startChild, stopChild, waitForHttp } from './processes.js';

interface Running {
  child: ChildProcess;
  output: () => string;
}

export interface Api extends Running {
  base: string;
}

export class Fleet {
  readonly apis: Api[] = [];
  /** The live process of each worker slot. */
  readonly workers: Running[] = [];
  /** Every worker process ever started (for the log files' names). */
  private started = 0;

  constructor(
    private readonly env: Env,
    private readonly logDir: string,
  ) {}

  async startApis(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const api = startChild(['bin/exhaust.js', 'api'], { ...this.env, PORT: String(port) }, { logFile: join(this.logDir, `api-${i + 1}.log`) });
      const base = `http://127.0.0.1:${port}`;
      this.apis.push({ ...api, base });
      await waitForHttp(`${base}/health`, api.child, api.output);
    }
  }

  /** Starts `count` workers and waits until each says it is claiming. */
  async startWorkers(count: number): Promise<void> {
    for (let slot = 0; slot < count; slot++) this.workers[slot] = this.startWorker();
    await Promise.all(this.workers.map((w) => waitForLine(w, '"worker started"')));
  }

  /** SIGKILL of the slot's process, then a fresh one in its place; the killed one's pid. */
  async killAndReplace(slot: number): Promise<number> {
    const victim = this.workers[slot]!;
    const exited = new Promise<void>((resolve) => (victim.child.exitCode !== null || victim.child.signalCode !== null ? resolve() : victim.child.once('exit', () => resolve())));
    victim.child.kill('SIGKILL');
    await exited;
    this.workers[slot] = this.startWorker();
    return victim.child.pid!;
  }

  /** SIGTERM to everything still running (the workers release what they hold), SIGKILL after 10 s. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.workers, ...this.apis].map((p) => stopChild(p.child)));
  }

  /** Live processes that died by themselves (ask before stopAll): their output tails. */
  crashed(): string[] {
    return [...this.workers, ...this.apis]
      .filter((p) => p.child.exitCode !== null || p.child.signalCode !== null)
      .map((p) => `pid ${p.child.pid} exited ${p.child.exitCode ?? p.child.signalCode}: ${p.output().slice(-500)}`);
  }

  private startWorker(): Running {
    const n = ++this.started;
    return startChild(['bin/exhaust.js', 'worker'], this.env, { logFile: join(this.logDir, `worker-${String(n).padStart(2, '0')}.log`) });
  }
}

/** Waits until the child's output holds `text` (30 s at most), failing early if it dies. */
async function waitForLine(p: Running, text: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!p.output().includes(text)) {
    if (p.child.exitCode !== null) throw new Error(`a worker exited with ${p.child.exitCode} at start: ${p.output()}`);
    if (Date.now() > deadline) throw new Error(`a worker did not log ${text} within ${timeoutMs} ms: ${p.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

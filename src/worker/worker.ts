// The worker: claims due requests (a lease renewed at each progress checkpoint), builds each one's reports into
// artefacts, and records the outcome. A periodic reaper gives back requests whose worker died.
// Any number of workers may run against one PostgreSQL database; a claim is never shared.
import type { Logger } from 'pino';
import { DataError, type DatasetBuilder } from '../datasets/dataset.js';
import { builders as registeredBuilders } from '../datasets/registry.js';
import { instanceId } from '../instance-id.js';
import { deleteRequestArtefacts } from '../requests/request-artefacts.js';
import { RequestStatus } from '../requests/request.js';
import { findRequest } from '../requests/request.repository.js';
import {
  claimRequest,
  completeRequest,
  failAttempt,
  type Lease,
  reapExpiredLeases,
  recordProgress,
  releaseRequest,
  renewLease,
  type BuildProgress,
} from '../requests/request-queue.repository.js';
import { isOutage } from '../outage.js';
import type { Services } from '../services.js';
import type { Clock } from '../time.js';
import { buildRequest, LeaseLostError } from './build-request.js';

/** What the composition root opened (the queue runs on `databases.main`, reports read `databases.reports`). */
export type WorkerDeps = Pick<Services, 'config' | 'keys' | 'databases' | 'store' | 'logger' | 'clock'> & {
  /** Dataset id → builder. Default: the registry. */
  builders?: ReadonlyMap<string, DatasetBuilder>;
};

export interface WorkerOptions {
  /** Names this worker in leases and logs. Default: host, pid and a random suffix. */
  id?: string;
  /** Requests built at once. Default config.workerConcurrency. */
  concurrency?: number;
  /** Pause between claims when nothing is due, ms. Default config.workerPollMs. */
  pollMs?: number;
  /** How long a claim holds without renewal, ms. Default config.leaseSeconds × 1000. */
  leaseMs?: number;
  /** How often expired leases are reaped, ms. Default half the lease. */
  reapMs?: number;
  /** How long stop() lets in-flight requests finish before aborting and releasing them, ms. Default 10 s. */
  stopGraceMs?: number;
  /**
   * How often a build checkpoints: its progress written, its lease extended, a cancellation noticed,
   * in one statement; ms. Default 1 s (a third of the lease, if that is shorter).
   */
  progressMs?: number;
}

export const WorkerState = {
  IDLE: 'idle',
  RUNNING: 'running',
  STOPPING: 'stopping',
  STOPPED: 'stopped',
} as const;
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState];

/** What became of one claimed request. */
export interface Outcome {
  requestId: string;
  tag: string;
  /**
   * A recorded status, CANCELLED (stopped at the requester's ask, its artefacts deleted), RELEASED
   * (given back at stop) or LEASE_LOST (another worker owns it now: nothing written).
   */
  status: typeof RequestStatus.SUCCESS | typeof RequestStatus.SUBMITTED | typeof RequestStatus.FAILED | typeof RequestStatus.CANCELLED | 'RELEASED' | 'LEASE_LOST';
  keys?: string[];
  message?: string;
}

class WorkerStopping extends Error {
  override name = 'WorkerStopping';
}

interface Job {
  lease: Lease;
  controller: AbortController;
  /** Why it was aborted, if it was. */
  abortedFor?: AbortReason;
  /** How far the build has come. */
  progress: BuildProgress;
  done: Promise<Outcome>;
}

type AbortReason = 'stop' | 'lease-lost' | 'cancelled';

export class Worker {
  readonly id: string;
  private currentState: WorkerState = WorkerState.IDLE;
  private readonly jobs = new Set<Job>();
  private readonly clock: Clock;
  private readonly builders: ReadonlyMap<string, DatasetBuilder>;
  private readonly log: Logger;
  private readonly settings: Required<Omit<WorkerOptions, 'id'>>;
  private claims = 0;
  private loopDone: Promise<void> | undefined;
  private reaper: NodeJS.Timeout | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly deps: WorkerDeps,
    options: WorkerOptions = {},
  ) {
    const { config } = deps;
    this.id = options.id ?? instanceId();
    this.clock = deps.clock;
    this.builders = deps.builders ?? registeredBuilders;
    this.log = deps.logger.child({ component: 'worker', worker: this.id });
    const leaseMs = options.leaseMs ?? config.leaseSeconds * 1000;
    this.settings = {
      concurrency: options.concurrency ?? config.workerConcurrency,
      pollMs: options.pollMs ?? config.workerPollMs,
      leaseMs,
      reapMs: options.reapMs ?? Math.floor(leaseMs / 2),
      stopGraceMs: options.stopGraceMs ?? 10_000,
      progressMs: options.progressMs ?? Math.min(1000, Math.floor(leaseMs / 3)),
    };
  }

  get state(): WorkerState {
    return this.currentState;
  }

  /** Requests being built right now. */
  get inFlight(): number {
    return this.jobs.size;
  }

  /** Starts claiming: up to `concurrency` requests at once, polling every `pollMs` when idle. */
  start(): void {
    if (this.currentState !== WorkerState.IDLE) throw new Error(`worker is ${this.currentState}; it starts only once`);
    this.currentState = WorkerState.RUNNING;
    this.reaper = setInterval(() => void this.reap().catch((err: unknown) => this.log.warn({ err }, 'reaping expired leases failed')), this.settings.reapMs);
    this.loopDone = this.loop();
    this.log.info({ concurrency: this.settings.concurrency, leaseMs: this.settings.leaseMs }, 'worker started');
  }

  /**
   * Claims one due request and builds it to the end (for tests and one-shot runs). Undefined when
   * nothing is due.
   */
  async runOnce(): Promise<Outcome | undefined> {
    if (this.currentState === WorkerState.STOPPING || this.currentState === WorkerState.STOPPED) return undefined;
    const job = await this.claim();
    return job?.done;
  }

  /** Gives back requests whose lease expired (their worker died or stalled). */
  async reap(): Promise<{ retried: number; failed: number }> {
    const reaped = await reapExpiredLeases(this.deps.databases.main.db, this.clock.now(), this.deps.config.maxLeaseLosses);
    if (reaped.retried + reaped.failed > 0) this.log.warn(reaped, 'reaped requests whose worker stopped responding');
    return reaped;
  }

  /**
   * Stops claiming, lets in-flight requests finish for up to `stopGraceMs`, then aborts the rest and
   * releases their leases (they are not counted as attempts). The connections are the root's to close.
   */
  async stop(): Promise<void> {
    if (this.currentState === WorkerState.STOPPED || this.currentState === WorkerState.STOPPING) return;
    this.currentState = WorkerState.STOPPING;
    clearInterval(this.reaper);
    this.wake();
    await this.loopDone;
    if (this.jobs.size > 0) {
      this.log.info({ inFlight: this.jobs.size }, 'worker stopping: finishing in-flight requests');
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.settings.stopGraceMs)));
      await Promise.race([Promise.allSettled([...this.jobs].map((j) => j.done)), grace]);
      clearTimeout(timer);
      for (const job of this.jobs) this.abort(job, 'stop');
      await Promise.allSettled([...this.jobs].map((j) => j.done));
    }
    this.currentState = WorkerState.STOPPED;
    this.log.info('worker stopped');
  }

  private async loop(): Promise<void> {
    while (this.currentState === WorkerState.RUNNING) {
      if (this.jobs.size >= this.settings.concurrency) {
        // Every slot is busy: wait for one to free up (or for stop()).
        await this.nap();
        continue;
      }
      let job: Job | undefined;
      try {
        job = await this.claim();
      } catch (err) {
        this.log.warn({ err }, 'claiming a request failed; retrying');
      }
      if (job) job.done.catch((err: unknown) => this.log.error({ err, requestId: job.lease.row.request_id }, 'recording an outcome failed; the lease will expire and the request be retried'));
      else await this.nap(this.settings.pollMs);
    }
  }

  private async claim(): Promise<Job | undefined> {
    const owner = `${this.id}#${++this.claims}`;
    const lease = await claimRequest(this.deps.databases.main, owner, this.clock.now(), this.settings.leaseMs, this.deps.config.maxRunningPerChannel);
    if (!lease) return undefined;
    const job = { lease, controller: new AbortController(), progress: { batchesDone: 0, rows: 0 } } as Partial<Job> as Job;
    this.jobs.add(job);
    job.done = this.run(job).finally(() => {
      this.jobs.delete(job);
      this.wake();
    });
    return job;
  }

  /** Builds a claimed request and records what became of it. Rejects only when the outcome cannot be written. */
  private async run(job: Job): Promise<Outcome> {
    const { lease } = job;
    const { row } = lease;
    const { db } = this.deps.databases.main;
    const ref = { requestId: row.request_id, tag: row.tag };
    const log = this.log.child({ requestId: row.request_id, dataset: row.job_id, attempt: row.submission_attempts });
    log.info('building request');
    // About once a second the progress is written and the lease extended; the same write finds out,
    // within that second, that the request was cancelled (or the lease lost) and stops the build.
    const checkpoint = setInterval(() => void this.checkpoint(job).catch((err: unknown) => log.warn({ err }, 'recording progress failed')), this.settings.progressMs);
    try {
      const keys = await buildRequest(
        {
          config: this.deps.config,
          store: this.deps.store,
          builders: this.builders,
          reportDatabase: this.deps.databases.reports,
          storedKeysKey: this.deps.keys.storedKeys,
          // Checked before an artefact is finalised: a worker that lost its lease writes nothing more.
          ensureLease: async () => {
            if (!(await this.renew(job))) throw new LeaseLostError();
          },
          progress: job.progress,
        },
        row,
        job.controller.signal,
      );
      clearInterval(checkpoint);
      if (!(await completeRequest(db, lease, keys, this.clock.now(), job.progress))) {
        log.warn('lease lost before completion: another worker owns the request now');
        return { ...ref, status: 'LEASE_LOST' };
      }
      log.info({ keys: keys.length, ms: this.clock.now() - lease.claimedAt }, 'request succeeded');
      return { ...ref, status: RequestStatus.SUCCESS, keys };
    } catch (error) {
      clearInterval(checkpoint);
      if (job.abortedFor === 'cancelled') {
        await this.discard(job, log);
        return { ...ref, status: RequestStatus.CANCELLED };
      }
      if (job.abortedFor === 'stop') {
        const released = await releaseRequest(db, lease, this.clock.now());
        log.info({ released }, 'request released at stop');
        return { ...ref, status: released ? 'RELEASED' : 'LEASE_LOST' };
      }
      if (job.abortedFor === 'lease-lost' || error instanceof LeaseLostError) {
        log.warn('lease lost while building: another worker owns the request now');
        return { ...ref, status: 'LEASE_LOST' };
      }
      const message = error instanceof Error ? error.message : String(error);
      const final = error instanceof DataError;
      const status = await failAttempt(db, lease, { message, final, outage: !final && isOutage(error) }, this.clock.now());
      if (final) log.info({ message }, 'request failed: nothing to report');
      else log.warn({ err: error, retried: status === RequestStatus.SUBMITTED }, 'attempt failed');
      return { ...ref, status: status ?? 'LEASE_LOST', message };
    }
  }

  /** Extends the lease; on losing it, aborts the build so that nothing more is written. */
  private async renew(job: Job): Promise<boolean> {
    const held = await renewLease(this.deps.databases.main.db, job.lease, this.clock.now(), this.settings.leaseMs);
    if (!held) await this.lost(job);
    return held;
  }

  /** Writes the build's progress; when the request is no longer this attempt's, stops the build. */
  private async checkpoint(job: Job): Promise<void> {
    if (job.controller.signal.aborted) return;
    if (!(await recordProgress(this.deps.databases.main.db, job.lease, job.progress, this.clock.now(), this.settings.leaseMs))) await this.lost(job);
  }

  /** The request is no longer this attempt's: cancelled at the requester's ask, or reaped and retried. */
  private async lost(job: Job): Promise<void> {
    const current = await findRequest(this.deps.databases.main.db, job.lease.row.tag, job.lease.row.request_id);
    this.abort(job, current?.status === RequestStatus.CANCELLED ? 'cancelled' : 'lease-lost');
  }

  /**
   * Deletes what a cancelled build stored. Only while the request is still CANCELLED: a submission
   * made since restarts it under the same keys, and its build's artefacts must stay.
   */
  private async discard(job: Job, log: Logger): Promise<void> {
    const { row } = job.lease;
    if ((await findRequest(this.deps.databases.main.db, row.tag, row.request_id))?.status !== RequestStatus.CANCELLED) return;
    const deleted = await deleteRequestArtefacts(this.deps.store, this.deps.config.container, { dataset: row.job_id, requestId: row.request_id, keys: [] });
    log.info({ deleted: deleted.count, rows: job.progress.rows }, 'request cancelled: build stopped, its artefacts deleted');
  }

  private abort(job: Job, reason: AbortReason): void {
    if (job.controller.signal.aborted) return;
    job.abortedFor = reason;
    job.controller.abort(reason === 'stop' ? new WorkerStopping('the worker is stopping') : new LeaseLostError());
  }

  /** Waits `ms` (forever when undefined) or until woken by a finished job or stop(). */
  private nap(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = undefined;
        resolve();
      };
      this.wakeUp = done;
    });
  }

  private wake(): void {
    this.wakeUp?.();
  }
}

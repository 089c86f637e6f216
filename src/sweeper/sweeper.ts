// The sweeper: leaves nothing behind in storage. Every EXHAUST_SWEEP_INTERVAL_SECONDS a round
// 1. expires SUCCESS requests completed more than EXHAUST_RETENTION_DAYS ago: their artefacts are
//    deleted and they become EXPIRED (no links; statusMessage says when and why; a submission of the
//    same request builds it again);
// 2. deletes what FAILED and CANCELLED requests left under `<dataset>/<requestId>/` (batches written
//    before the failure), once per request;
// 3. removes the temporary uploads of writers that died (BlobStore.sweepIncomplete).
// Any number of processes may sweep at once: requests are claimed in batches (retention.repository.ts),
// so each artefact is deleted by one of them, and a dead sweeper's claims run out.
import type { Logger } from 'pino';
import { addToCounter, CounterName } from '../db/counters.js';
import { instanceId } from '../instance-id.js';
import { isOutage } from '../outage.js';
import { deleteRequestArtefacts } from '../requests/request-artefacts.js';
import {
  type ClaimWindow,
  claimExpiring,
  claimUnswept,
  expireRequest,
  holdSweepClaim,
  markSwept,
  type SweepClaim,
} from '../requests/retention.repository.js';
import type { Services } from '../services.js';
import { dateInZone } from '../time.js';

export type SweeperDeps = Pick<Services, 'config' | 'databases' | 'store' | 'logger' | 'clock'>;

export interface SweeperOptions {
  /** Names this sweeper in claims and logs. Default: host, pid and a random suffix. */
  id?: string;
  /** Pause between the end of a round and the next, ms. Default config.sweepIntervalSeconds × 1000. */
  intervalMs?: number;
  /** Requests claimed per statement. Default 100. */
  batchSize?: number;
  /**
   * The workers' lease, ms: a FAILED or CANCELLED request is swept once it has not changed for this
   * long, and a temporary upload is dead once nothing was written to it for this long. Default
   * config.leaseSeconds × 1000.
   */
  leaseMs?: number;
  /** How long a sweep claim holds without renewal, ms. Default the lease. */
  claimMs?: number;
}

/** What one round did. */
export interface SweepResult {
  /** SUCCESS requests past their retention, now EXPIRED. */
  expiredRequests: number;
  /** FAILED and CANCELLED requests whose leftovers were removed. */
  sweptRequests: number;
  /** Artefacts deleted, for both. */
  deletedArtefacts: number;
  /** Their bytes, as far as the store listed them. */
  deletedBytes: number;
  /** Temporary uploads of dead writers removed (local part files, S3 multipart uploads). */
  removedUploads: number;
  /** Their bytes, as far as the store could tell. */
  removedUploadBytes: number;
  /** Requests whose artefacts could not be deleted: tried again once their claim runs out. */
  failedRequests: number;
}

export const SweeperState = {
  IDLE: 'idle',
  RUNNING: 'running',
  STOPPING: 'stopping',
  STOPPED: 'stopped',
} as const;
export type SweeperState = (typeof SweeperState)[keyof typeof SweeperState];

/** The statusMessage of an EXPIRED request. */
export function expiredMessage(deletedAt: number, retentionDays: number, timeZone: string): string {
  const days = `${retentionDays} ${retentionDays === 1 ? 'day' : 'days'}`;
  return `The report was deleted on ${dateInZone(deletedAt, timeZone)} after ${days} (EXHAUST_RETENTION_DAYS); submit it again to rebuild it.`;
}

export class Sweeper {
  readonly id: string;
  private currentState: SweeperState = SweeperState.IDLE;
  private readonly log: Logger;
  private readonly settings: Required<Omit<SweeperOptions, 'id'>>;
  private claims = 0;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<SweepResult> | undefined;

  constructor(
    private readonly deps: SweeperDeps,
    options: SweeperOptions = {},
  ) {
    const { config } = deps;
    this.id = options.id ?? instanceId();
    this.log = deps.logger.child({ component: 'sweeper', sweeper: this.id });
    const leaseMs = options.leaseMs ?? config.leaseSeconds * 1000;
    this.settings = {
      intervalMs: options.intervalMs ?? config.sweepIntervalSeconds * 1000,
      batchSize: options.batchSize ?? 100,
      leaseMs,
      claimMs: options.claimMs ?? leaseMs,
    };
  }

  get state(): SweeperState {
    return this.currentState;
  }

  /** Sweeps now, then `intervalMs` after each round ends (rounds never overlap). */
  start(): void {
    if (this.currentState !== SweeperState.IDLE) throw new Error(`sweeper is ${this.currentState}; it starts only once`);
    this.currentState = SweeperState.RUNNING;
    this.schedule(0);
  }

  /** Stops the timer and waits for a round in flight, which ends after its current request. */
  async stop(): Promise<void> {
    if (this.currentState === SweeperState.STOPPED || this.currentState === SweeperState.STOPPING) return;
    this.currentState = SweeperState.STOPPING;
    clearTimeout(this.timer);
    await this.round?.catch(() => undefined);
    this.currentState = SweeperState.STOPPED;
  }

  /** One round (for tests and one-shot runs); joins the round in flight if there is one. */
  runOnce(): Promise<SweepResult> {
    this.round ??= this.sweep().finally(() => (this.round = undefined));
    return this.round;
  }

  // A getter, not a field read: stop() changes the state while a round awaits.
  private get stopping(): boolean {
    return this.currentState === SweeperState.STOPPING;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      void this.runOnce()
        .catch((err: unknown) => this.log.warn({ err }, 'sweep round failed; trying again at the next'))
        .finally(() => {
          if (this.currentState === SweeperState.RUNNING) this.schedule(this.settings.intervalMs);
        });
    }, ms);
  }

  private async sweep(): Promise<SweepResult> {
    const started = Date.now();
    const result: SweepResult = { expiredRequests: 0, sweptRequests: 0, deletedArtefacts: 0, deletedBytes: 0, removedUploads: 0, removedUploadBytes: 0, failedRequests: 0 };
    const { config, clock } = this.deps;
    const retentionMs = config.retentionDays * 24 * 3600_000;
    await this.inBatches((owner, window) => claimExpiring(this.deps.databases.main, owner, window.now - retentionMs, window), result, async (claim, now) => {
      const ok = await expireRequest(this.deps.databases.main.db, claim, now, expiredMessage(now, config.retentionDays, config.timeZone));
      if (ok) result.expiredRequests += 1;
    });
    await this.inBatches((owner, window) => claimUnswept(this.deps.databases.main, owner, window.now - this.settings.leaseMs, window), result, async (claim) => {
      if (await markSwept(this.deps.databases.main.db, claim)) result.sweptRequests += 1;
    });
    const idleBefore = clock.now() - this.settings.leaseMs;
    for (const container of new Set([config.container, config.publicContainer])) {
      if (this.stopping) break;
      const swept = await this.deps.store.sweepIncomplete(container, idleBefore);
      result.removedUploads += swept.removed;
      result.removedUploadBytes += swept.bytes ?? 0;
    }
    await addToCounter(this.deps.databases.main.db, CounterName.expired, result.expiredRequests);
    await addToCounter(this.deps.databases.main.db, CounterName.sweptBytes, result.deletedBytes + result.removedUploadBytes);
    const { failedRequests, ...done } = result;
    if (Object.values(done).some((n) => n > 0)) this.log.info({ ...result, ms: Date.now() - started }, 'swept storage');
    if (failedRequests > 0) this.log.warn({ failedRequests }, 'some artefacts could not be deleted; they are tried again once their claim runs out');
    return result;
  }

  /**
   * Claims batches until one comes back short (or stop() is called); for each request: re-checks the
   * claim, deletes its artefacts, then records it with `finish`. A request whose deletes fail keeps
   * its claim until it runs out (then a later round tries again); an outage ends the round.
   */
  private async inBatches(
    claimBatch: (owner: string, window: ClaimWindow) => Promise<SweepClaim[]>,
    result: SweepResult,
    finish: (claim: SweepClaim, now: number) => Promise<void>,
  ): Promise<void> {
    const { db } = this.deps.databases.main;
    const { batchSize, claimMs } = this.settings;
    let batch: SweepClaim[];
    do {
      if (this.stopping) return;
      batch = await claimBatch(`${this.id}#${++this.claims}`, { now: this.deps.clock.now(), claimMs, limit: batchSize });
      for (const claim of batch) {
        if (this.stopping) return;
        // Right before deleting: a request resubmitted since it was claimed is left alone.
        if (!(await holdSweepClaim(db, claim, this.deps.clock.now(), claimMs))) continue;
        try {
          const deleted = await deleteRequestArtefacts(this.deps.store, this.deps.config.container, claim);
          result.deletedArtefacts += deleted.count;
          result.deletedBytes += deleted.bytes;
        } catch (err) {
          if (isOutage(err)) throw err;
          result.failedRequests += 1;
          this.log.warn({ err, requestId: claim.requestId, tag: claim.tag }, 'deleting artefacts failed');
          continue;
        }
        await finish(claim, this.deps.clock.now());
      }
    } while (batch.length === batchSize);
  }
}

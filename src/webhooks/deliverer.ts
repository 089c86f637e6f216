// The deliverer: runs in every worker process beside the worker and the sweeper, and POSTs the
// outbox's due deliveries. It never touches a report: a slow or dead receiver costs a delivery slot
// for at most EXHAUST_WEBHOOK_TIMEOUT_SECONDS, never a build. At least once: a delivery is marked
// done only after a 2xx, so a deliverer that dies mid-POST leaves it to be sent again (same event id).
import type { Logger } from 'pino';
import { addToCounter, CounterName } from '../db/counters.js';
import { instanceId } from '../instance-id.js';
import { backoffMs } from '../requests/request-queue.repository.js';
import { openSecret } from '../secrets.js';
import type { Services } from '../services.js';
import { send } from './send.js';
import { signatureOf, webhookBody } from './webhook-event.js';
import { claimDeliveries, type Delivery, markDelivered, markFailed } from './webhook.repository.js';

export type DelivererDeps = Pick<Services, 'config' | 'databases' | 'keys' | 'logger' | 'clock'>;

export interface DelivererOptions {
  id?: string;
  /** Pause when nothing is due, ms. Default 1000. */
  pollMs?: number;
  /** Deliveries claimed and sent at once. Default 20. */
  batchSize?: number;
}

/** The requests' backoff (10 s, 20 s, 40 s, …), at most an hour apart. */
const deliveryBackoffMs = (attempts: number) => Math.min(backoffMs(attempts), 3600_000);
/** A delivery failing this long after its event is given up. */
const DELIVERY_WINDOW_MS = 24 * 3600_000;

export interface DeliveryRound {
  delivered: number;
  failed: number;
  abandoned: number;
}

export class WebhookDeliverer {
  readonly id: string;
  private readonly log: Logger;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly timeoutMs: number;
  private claims = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<DeliveryRound> | undefined;

  constructor(
    private readonly deps: DelivererDeps,
    options: DelivererOptions = {},
  ) {
    this.id = options.id ?? instanceId();
    this.log = deps.logger.child({ component: 'webhooks', deliverer: this.id });
    this.pollMs = options.pollMs ?? 1000;
    this.batchSize = options.batchSize ?? 20;
    this.timeoutMs = deps.config.webhookTimeoutSeconds * 1000;
  }

  start(): void {
    this.running = true;
    this.schedule(0);
  }

  /** Stops polling and waits for the deliveries in flight (each bounded by the timeout). */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.round?.catch(() => undefined);
  }

  /** Sends one batch of due deliveries (for tests and the loop); joins the batch in flight if any. */
  runOnce(): Promise<DeliveryRound> {
    this.round ??= this.deliverBatch().finally(() => (this.round = undefined));
    return this.round;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      let full = false;
      void this.runOnce()
        .then((round) => (full = round.delivered + round.failed + round.abandoned >= this.batchSize))
        .catch((err: unknown) => this.log.warn({ err }, 'webhook deliveries failed; trying again'))
        .finally(() => {
          // A full batch suggests more are due: go on at once.
          if (this.running) this.schedule(full ? 0 : this.pollMs);
        });
    }, ms);
  }

  private async deliverBatch(): Promise<DeliveryRound> {
    const { databases, clock } = this.deps;
    const deliveries = await claimDeliveries(databases.main, `${this.id}#${++this.claims}`, {
      now: clock.now(),
      // Longer than a POST can take: the claim outlives the attempt.
      claimMs: this.timeoutMs + 30_000,
      limit: this.batchSize,
    });
    const outcomes = await Promise.all(deliveries.map((delivery) => this.deliver(delivery).catch((err: unknown) => this.failed(delivery, err))));
    const round: DeliveryRound = { delivered: 0, failed: 0, abandoned: 0 };
    for (const outcome of outcomes) if (outcome) round[outcome] += 1;
    const { db } = databases.main;
    await addToCounter(db, CounterName.webhookDelivered, round.delivered);
    await addToCounter(db, CounterName.webhookFailed, round.failed);
    await addToCounter(db, CounterName.webhookAbandoned, round.abandoned);
    return round;
  }

  /**
   * Something other than the endpoint failed (the database, a secret sealed under an older
   * EXHAUST_SECRET): counted as a failed attempt, so that the delivery is retried, then given up,
   * rather than held by a claim that keeps running out.
   */
  private async failed(delivery: Delivery, err: unknown): Promise<keyof DeliveryRound | undefined> {
    this.log.warn({ err, webhook: delivery.webhookId, event: `evt_${delivery.eventId}` }, 'webhook delivery could not be attempted');
    return this.recordFailure(delivery, `not attempted: ${err instanceof Error ? err.message : String(err)}`).catch(() => undefined);
  }

  private async deliver(delivery: Delivery): Promise<keyof DeliveryRound | undefined> {
    const { databases, keys, clock, config } = this.deps;
    const { db } = databases.main;
    if (!delivery.request) {
      // Requests are never deleted: this cannot happen, and could not be sent.
      await markFailed(db, delivery, 'the event has no request to describe', clock.now(), undefined);
      return 'abandoned';
    }
    const body = JSON.stringify(await webhookBody(delivery.eventId, delivery.change, delivery.request));
    const secret = openSecret(delivery.sealedSecret, keys.storedKeys);
    const sent = await send(delivery.url, body, {
      'user-agent': 'data-exhaust-webhooks/1',
      'x-exhaust-event-id': `evt_${delivery.eventId}`,
      'x-exhaust-signature': signatureOf(secret, Math.floor(clock.now() / 1000), body),
    }, { timeoutMs: this.timeoutMs, allowPrivate: config.webhookAllowPrivate });
    if (sent.error === undefined) return (await markDelivered(db, delivery, clock.now())) ? 'delivered' : undefined;
    return this.recordFailure(delivery, sent.error, sent.final);
  }

  /** A failed attempt: due again after the backoff, or given up once a day has passed since the event (or at once when `final`). */
  private async recordFailure(delivery: Delivery, error: string, final = false): Promise<keyof DeliveryRound | undefined> {
    const { db } = this.deps.databases.main;
    const now = this.deps.clock.now();
    const retryAt = now + deliveryBackoffMs(delivery.attempts + 1);
    const giveUp = final || retryAt > delivery.change.at + DELIVERY_WINDOW_MS;
    if (!(await markFailed(db, delivery, error, now, giveUp ? undefined : retryAt))) return undefined;
    this.log[giveUp ? 'warn' : 'info']({ webhook: delivery.webhookId, event: `evt_${delivery.eventId}`, attempts: delivery.attempts + 1, error }, giveUp ? 'webhook delivery given up' : 'webhook delivery failed; it will be retried');
    return giveUp ? 'abandoned' : 'failed';
  }
}

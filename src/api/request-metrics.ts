// Metrics of the requests' life, read from the database at each scrape: the workers and sweepers
// that make these events run in other processes than the API, and the database sees them all.
import { type Kysely, sql } from 'kysely';
import type { Registry } from 'prom-client';
import { CounterName, readCounters } from '../db/counters.js';
import type { Tables } from '../db/database.js';
import { RequestStatus } from '../requests/request.js';

/** Upper bounds of the build-time buckets, seconds. */
const BUILD_BUCKETS = [1, 5, 15, 60, 300, 900, 3600];

interface Sample {
  labels?: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** A metric whose samples are computed at each scrape (prom-client's registry calls `get()`). */
function scraped(registry: Registry, name: string, help: string, type: 'counter' | 'histogram', samples: () => Promise<Sample[]>) {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    async get() {
      // A scrape during a database outage still answers, without these families' samples.
      return { name, help, type, aggregator: 'sum', values: await samples().catch(() => []) };
    },
    reset() {},
  };
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}

export function registerRequestMetrics(registry: Registry, db: Kysely<Tables>): void {
  // A scrape asks every metric at once: the counters' one query is shared by all of them.
  let reading: Promise<Map<string, number>> | undefined;
  const counters = () => (reading ??= readCounters(db).finally(() => setImmediate(() => (reading = undefined))));
  const counter = (name: string, help: string, counterName: CounterName) =>
    scraped(registry, name, help, 'counter', async () => [{ value: (await counters()).get(counterName) ?? 0 }]);
  counter('exhaust_requests_cancelled_total', 'Requests cancelled at their requester\'s ask', CounterName.cancelled);
  counter('exhaust_requests_expired_total', 'Reports deleted after EXHAUST_RETENTION_DAYS (requests now EXPIRED)', CounterName.expired);
  counter('exhaust_swept_bytes_total', 'Bytes the sweeper deleted: expired reports, leftovers of failed or cancelled requests, dead uploads', CounterName.sweptBytes);
  scraped(registry, 'exhaust_webhook_deliveries_total', 'Webhook delivery attempts by outcome: delivered (2xx), failed (retried later), abandoned (a day of failures, or a refused address)', 'counter', async () => {
    const values = await counters();
    const outcomes = { delivered: CounterName.webhookDelivered, failed: CounterName.webhookFailed, abandoned: CounterName.webhookAbandoned };
    return Object.entries(outcomes).map(([outcome, name]) => ({ labels: { outcome }, value: values.get(name) ?? 0 }));
  });

  scraped(registry, 'exhaust_request_build_seconds', 'Time from claim to SUCCESS of the last build of each request, by dataset', 'histogram', async () => {
    const rows = await db
      .selectFrom('job_request')
      .select((eb) => [
        'job_id',
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>('execution_time').as('total_ms'),
        ...BUILD_BUCKETS.map((s) => sql<number>`sum(case when execution_time <= ${s * 1000} then 1 else 0 end)`.as(`le_${s}`)),
      ])
      .where('execution_time', 'is not', null)
      .where('status', 'in', [RequestStatus.SUCCESS, RequestStatus.EXPIRED])
      .groupBy('job_id')
      .execute();
    return rows.flatMap((row): Sample[] => {
      const dataset = row.job_id;
      const record = row as unknown as Record<string, number | string>;
      return [
        ...BUILD_BUCKETS.map((s) => ({ metricName: 'exhaust_request_build_seconds_bucket', labels: { dataset, le: s }, value: Number(record[`le_${s}`]) })),
        { metricName: 'exhaust_request_build_seconds_bucket', labels: { dataset, le: '+Inf' }, value: Number(row.n) },
        { metricName: 'exhaust_request_build_seconds_sum', labels: { dataset }, value: Number(row.total_ms) / 1000 },
        { metricName: 'exhaust_request_build_seconds_count', labels: { dataset }, value: Number(row.n) },
      ];
    });
  });
}

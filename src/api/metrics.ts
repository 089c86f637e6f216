// Prometheus metrics: requests by route and status, latency, the request table by status, and the
// requests' life (build time, cancelled, expired, swept bytes: request-metrics.ts).
// One Registry per app, so several apps in one process (tests) never collide.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Tables } from '../db/database.js';
import { requestStatuses } from '../requests/request.js';
import { registerRequestMetrics } from './request-metrics.js';

export function installMetrics(app: FastifyInstance, db: Kysely<Tables>): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route, method and status code',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route', 'method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'exhaust_requests',
    help: 'On-demand requests in the table, by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      // A scrape during a database outage still answers, without this family.
      const rows = await db.selectFrom('job_request').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute().catch(() => null);
      if (!rows) return;
      this.reset();
      for (const status of requestStatuses) this.set({ status }, Number(rows.find((r) => r.status === status)?.n ?? 0));
    },
  });

  registerRequestMetrics(registry, db);

  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, never the raw URL: label values stay few.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    latency.observe({ route, method: request.method }, reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', { config: { auth: 'none' }, schema: { hide: true } }, async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}

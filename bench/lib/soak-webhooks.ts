// The soak's webhook receiver (bench/soak.ts): one completion webhook per channel, every event, all
// pointing at a server in the soak's own process. It verifies each signature as a client would (its
// own HMAC, not the service's code), fails the first POST of every tenth event with a 500 so that
// retries happen, and counts what arrived: every final request must be announced, each POST signed.
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchSchema } from './postgres.js';

const EVENTS = ['request.succeeded', 'request.failed', 'request.cancelled', 'request.expired'];
const STATUS_OF: Record<string, string> = { 'request.succeeded': 'SUCCESS', 'request.failed': 'FAILED', 'request.cancelled': 'CANCELLED', 'request.expired': 'EXPIRED' };

export interface WebhookTally {
  posts: number;
  /** Distinct event ids answered 2xx. */
  delivered: number;
  /** POSTs of an event id already answered 2xx (at least once: allowed, counted). */
  duplicates: number;
  /** 500s the receiver answered on purpose. */
  refused: number;
  badSignatures: number;
  /** requestId → the statuses announced for it. */
  announced: Map<string, Set<string>>;
}

export class WebhookReceiver {
  readonly tally: WebhookTally = { posts: 0, delivered: 0, duplicates: 0, refused: 0, badSignatures: 0, announced: new Map() };
  private readonly secrets = new Map<string, string>();
  private readonly answered = new Set<string>();
  private readonly failedOnce = new Set<string>();
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => response.writeHead(this.receive(String(request.headers['x-exhaust-signature'] ?? ''), Buffer.concat(chunks).toString('utf8'))).end());
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/soak-hooks`;
  }

  /** Registers a webhook for each channel through the admin API. */
  async register(api: string, adminToken: string, channels: string[]): Promise<void> {
    for (const channel of channels) {
      const response = await fetch(`${api}/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel, url: this.url, events: EVENTS }),
      });
      const answer = (await response.json()) as { result?: { secret?: string } };
      if (response.status !== 200 || !answer.result?.secret) throw new Error(`webhook registration failed (${response.status}): ${JSON.stringify(answer)}`);
      this.secrets.set(channel, answer.result.secret);
    }
  }

  private receive(signature: string, body: string): number {
    this.tally.posts += 1;
    const event = JSON.parse(body) as { id: string; type: string; data: { request: { requestId: string; requestedChannel: string } } };
    const secret = this.secrets.get(event.data.request.requestedChannel) ?? '';
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature);
    if (!match || createHmac('sha256', secret).update(`${match[1]}.${body}`).digest('hex') !== match[2]) {
      this.tally.badSignatures += 1;
      return 400;
    }
    if (Number(event.id.slice(4)) % 10 === 0 && !this.failedOnce.has(event.id)) {
      this.failedOnce.add(event.id);
      this.tally.refused += 1;
      return 500;
    }
    if (this.answered.has(event.id)) this.tally.duplicates += 1;
    else {
      this.answered.add(event.id);
      this.tally.delivered += 1;
    }
    const statuses = this.tally.announced.get(event.data.request.requestId) ?? new Set<string>();
    statuses.add(STATUS_OF[event.type] ?? event.type);
    this.tally.announced.set(event.data.request.requestId, statuses);
    return 204;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}

/** Deliveries not yet done (pending), and given up. */
export async function deliveryStates(schema: BenchSchema): Promise<{ pending: number; abandoned: number; delivered: number }> {
  const rows = await schema.query(`select state, count(*) as n from webhook_delivery group by state`);
  const of = (state: string) => Number(rows.find((r) => r.state === state)?.n ?? 0);
  return { pending: of('pending'), abandoned: of('abandoned'), delivered: of('delivered') };
}

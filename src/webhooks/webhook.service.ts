// Registering, listing and removing webhooks (admin). The signing secret is shown once, at
// registration; it is stored sealed and never listed.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { clientError, notFound } from '../errors.js';
import { sealSecret } from '../secrets.js';
import type { Clock } from '../time.js';
import { endpointProblem } from './endpoint.js';
import type { WebhookEvent } from './webhook-event.js';
import { deleteWebhook, insertWebhook, listWebhooks, type WebhookRow } from './webhook.repository.js';

export interface WebhookContext {
  db: Kysely<Tables>;
  clock: Clock;
  storedKeysKey: Buffer;
  /** EXHAUST_WEBHOOK_ALLOW_PRIVATE. */
  allowPrivate: boolean;
}

export interface WebhookView {
  id: string;
  channel: string;
  url: string;
  events: WebhookEvent[];
  createdOn: number;
}

export async function registerWebhook(ctx: WebhookContext, input: { channel: string; url: string; events: WebhookEvent[] }): Promise<WebhookView & { secret: string }> {
  const problem = await endpointProblem(input.url, ctx.allowPrivate);
  if (problem) throw clientError(problem);
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  const row: WebhookRow = {
    id: `wh_${randomBytes(12).toString('hex')}`,
    channel: input.channel,
    url: input.url,
    events: [...new Set(input.events)].join(' '),
    secret: sealSecret(secret, ctx.storedKeysKey),
    created_on: ctx.clock.now(),
  };
  await insertWebhook(ctx.db, row);
  return { ...viewOf(row), secret };
}

export async function webhooksOf(ctx: WebhookContext, channel: string | undefined): Promise<WebhookView[]> {
  return (await listWebhooks(ctx.db, channel)).map(viewOf);
}

export async function removeWebhook(ctx: WebhookContext, id: string): Promise<void> {
  if (!(await deleteWebhook(ctx.db, id))) throw notFound('no webhook with this id');
}

const viewOf = (row: WebhookRow): WebhookView => ({
  id: row.id,
  channel: row.channel,
  url: row.url,
  events: row.events.split(' ') as WebhookEvent[],
  createdOn: Number(row.created_on),
});

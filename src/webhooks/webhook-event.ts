// What a webhook receives (Stripe-style): a JSON event with a stable id, signed with the webhook's
// secret. Receivers verify `X-Exhaust-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`
// and drop ids they have seen (delivery is at least once).
import { createHmac } from 'node:crypto';
import { type JobStatusResponse, toJobStatus } from '../requests/job-status.js';
import { RequestStatus } from '../requests/request.js';
import type { JobStatusRow } from '../requests/request.repository.js';

export const WebhookEvent = {
  succeeded: 'request.succeeded',
  failed: 'request.failed',
  cancelled: 'request.cancelled',
  expired: 'request.expired',
} as const;
export type WebhookEvent = (typeof WebhookEvent)[keyof typeof WebhookEvent];
export const webhookEvents = Object.values(WebhookEvent);

/** The event announcing each final status (the database trigger of migration 0010 maps them the same way). */
const eventOfStatus = new Map<string, WebhookEvent>([
  [RequestStatus.SUCCESS, WebhookEvent.succeeded],
  [RequestStatus.FAILED, WebhookEvent.failed],
  [RequestStatus.CANCELLED, WebhookEvent.cancelled],
  [RequestStatus.EXPIRED, WebhookEvent.expired],
]);

export interface WebhookBody {
  /** `evt_<n>`: the same at every retry of this event, to every webhook. */
  id: string;
  type: WebhookEvent;
  /** When the status changed, epoch ms. */
  createdAt: number;
  data: { request: Omit<JobStatusResponse, 'downloadUrls' | 'expiresAt'> };
}

/**
 * The body of an event: the request's public fields (as read answers them; never its key) with the
 * status, statusMessage and time of the change itself. Without links: they would expire long before
 * a day of retries ends; a receiver reads the request for fresh ones.
 */
export async function webhookBody(eventId: number, change: { status: string; message: string | null; at: number }, row: JobStatusRow): Promise<WebhookBody> {
  const type = eventOfStatus.get(change.status);
  if (!type) throw new Error(`no webhook event for status ${change.status}`);
  const { downloadUrls: _urls, expiresAt: _expires, statusMessage: _current, ...request } = await toJobStatus(row, async () => ({ urls: [], expiresAt: 0 }));
  return {
    id: `evt_${eventId}`,
    type,
    createdAt: change.at,
    data: { request: { ...request, status: change.status, lastUpdated: change.at, ...(change.message !== null ? { statusMessage: change.message } : {}) } },
  };
}

/** The X-Exhaust-Signature header of `body` sent at `unixSeconds`. */
export function signatureOf(secret: string, unixSeconds: number, body: string): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}

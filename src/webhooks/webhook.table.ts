// Tables of the completion webhooks (migration 0010).
import type { Generated } from 'kysely';

export interface WebhookTable {
  /** `wh_` and 24 hex digits. */
  id: string;
  channel: string;
  /** http(s) endpoint, checked against private addresses when registered and at every delivery. */
  url: string;
  /** Event names, space-separated (`request.succeeded request.failed`). */
  events: string;
  /** The signing secret, sealed under EXHAUST_SECRET like the encryption keys: shown once, at registration. */
  secret: string;
  created_on: number;
}

/** The outbox: one row per event and webhook that wants it, written by the status change's own statement. */
export interface WebhookDeliveryTable {
  /** request_event.id: the event id the receiver sees (`evt_<id>`), the same at every retry. */
  event_id: number;
  webhook_id: string;
  /** pending → delivered, or abandoned after a day of failures. */
  state: Generated<string>;
  attempts: Generated<number>;
  next_attempt_at: number;
  /** A deliverer's claim, as a worker's lease: who holds it and until when (epoch ms). */
  claim_owner: string | null;
  claim_until: number | null;
  /** The last failed attempt's outcome (HTTP status, timeout, refused address). */
  last_error: string | null;
  finished_at: number | null;
}

// The audit trail of requests (migration 0010). Status changes are appended by the database itself
// (a trigger on job_request); this file appends what people did, and reads the trail back.
import type { Kysely, Selectable } from 'kysely';
import type { RequestEventTable, Tables } from '../db/database.js';

export const EventKind = {
  /** A submission, new or repeated (answered from its row), or the restart of a final request. */
  submitted: 'submitted',
  /** A cancel asked for, done or refused. */
  cancelRequested: 'cancel-requested',
  /** Download links signed for someone (read, list, search): how many, and until when. */
  linksIssued: 'links-issued',
  /** A file fetched through a local signed link. */
  downloaded: 'downloaded',
  /** A status change, written by the database (actor null). */
  status: 'status',
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

export interface NewRequestEvent {
  kind: EventKind;
  requestId: string;
  /** The stored tag; unknown to a download. */
  tag?: string;
  channel?: string;
  status?: string;
  actor?: string;
  /** What happened, in words: never a key or a signed link. */
  message?: string;
  at: number;
}
export type RequestEventRow = Selectable<RequestEventTable>;

/** Appends events in one statement (a list's links are one insert, not one per request). */
export async function appendEvents(db: Kysely<Tables>, events: readonly NewRequestEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('request_event')
    .values(
      events.map((e) => ({
        kind: e.kind,
        request_id: e.requestId,
        tag: e.tag ?? null,
        channel: e.channel ?? null,
        status: e.status ?? null,
        actor: e.actor ?? null,
        message: e.message ?? null,
        at: e.at,
      })),
    )
    .execute();
}

/** A request's events in the order they were appended, after the event id `after`. */
export function eventsOfRequest(db: Kysely<Tables>, requestId: string, page: { after: number; limit: number }): Promise<RequestEventRow[]> {
  return db
    .selectFrom('request_event')
    .selectAll()
    .where('request_id', '=', requestId)
    .where('id', '>', page.after)
    .orderBy('id')
    .limit(page.limit)
    .execute();
}

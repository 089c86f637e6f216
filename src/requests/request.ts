// Glossary of the on-demand domain — every file uses these words:
// - request: one ask for a dataset about a tag (usually a batch), by a requester, for a channel.
// - tag: the client's label; stored as `<tag>:<channel>` so channels never see each other's.
// - channel: the org a request is made for (X-Channel-ID).
// - dataset: what to build (progress-exhaust, …), configured by `datasetConfig`.
// - attempt: one run of a worker over a request; a failed attempt is retried with backoff.
// - lease: a worker's time-limited claim on a request, renewed while it works.
// - artefact: a zip a worker wrote to blob storage; only its relative key is stored.
// - signed URL: a short-lived download link to an artefact, made afresh at every read.

export const RequestStatus = {
  SUBMITTED: 'SUBMITTED',
  PROCESSING: 'PROCESSING',
  SUCCESS: 'SUCCESS',
  FAILED: 'FAILED',
  /** Stopped at its requester's ask (beyond Sunbird). */
  CANCELLED: 'CANCELLED',
  /** Its artefacts were deleted after EXHAUST_RETENTION_DAYS (beyond Sunbird). */
  EXPIRED: 'EXPIRED',
} as const;
export type RequestStatus = (typeof RequestStatus)[keyof typeof RequestStatus];
export const requestStatuses = Object.values(RequestStatus);

/** Final statuses a submission of the same request starts afresh (a SUCCESS is answered as it is). */
export const RESTARTABLE: readonly RequestStatus[] = [RequestStatus.FAILED, RequestStatus.CANCELLED, RequestStatus.EXPIRED];

// The moves, each made by one conditional statement (its WHERE is the guard, so concurrent
// writers cannot break them): SUBMITTED → PROCESSING (claimRequest); PROCESSING → SUCCESS
// (completeRequest), → SUBMITTED or FAILED (failAttempt, releaseRequest, reapExpiredLeases);
// SUBMITTED or PROCESSING → CANCELLED (cancelRequest); SUCCESS → EXPIRED (expireRequest, the
// sweeper); FAILED, CANCELLED or EXPIRED → SUBMITTED (upsertRequest, a resubmission). SUCCESS is
// final until its artefacts expire. Every move appends a status event (and the outbox rows of the
// webhooks that want it) by a database trigger, in the moving statement itself (migration 0010).

/** Attempts per submission before a request is FAILED for good. */
export const MAX_ATTEMPTS = 3;

/** The stored tag: the client's tag suffixed with the channel. */
export const channelTag = (tag: string, channel: string) => `${tag}:${channel}`;

/** Path-safe identifier: tags, dataset ids, batch ids. */
export const SAFE_ID = /^[A-Za-z0-9_.:-]+$/;
export const SAFE_ID_MAX = 200;

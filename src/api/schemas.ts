// JSON schemas shared by the routes: they validate input, type the handlers, and feed /docs.
import { Type, type TSchema } from 'typebox';
import { SAFE_ID_MAX, requestStatuses } from '../requests/request.js';

const SAFE_PATTERN = '^[A-Za-z0-9_.:-]*$';

/** A tag or id that may end up in a storage key: safe characters only, ≤ 200. */
export const SafeId = (description: string) => Type.String({ pattern: SAFE_PATTERN, maxLength: SAFE_ID_MAX, description });
export const RequiredSafeId = (description: string) =>
  Type.String({ pattern: SAFE_PATTERN.replace('*', '+'), minLength: 1, maxLength: SAFE_ID_MAX, description });

export const Status = Type.Union(requestStatuses.map((s) => Type.Literal(s)), { description: 'SUBMITTED, PROCESSING, SUCCESS or FAILED (Sunbird\'s), or CANCELLED or EXPIRED (final; submitting again starts afresh)' });

export const MsgParams = Type.Optional(Type.Object({ msgid: Type.Optional(Type.String({ maxLength: 200 })) }));

export const JobStatus = Type.Object({
  requestId: Type.String(),
  tag: Type.String({ description: '<tag>:<channel>' }),
  dataset: Type.String(),
  requestedBy: Type.String(),
  requestedChannel: Type.String(),
  status: Type.String(),
  lastUpdated: Type.Integer({ description: 'epoch ms' }),
  datasetConfig: Type.Unknown(),
  attempts: Type.Integer(),
  jobStats: Type.Object({
    dtJobSubmitted: Type.Integer(),
    dtJobCompleted: Type.Optional(Type.Integer()),
    executionTime: Type.Optional(Type.Integer({ description: 'ms' })),
  }),
  downloadUrls: Type.Array(Type.String()),
  expiresAt: Type.Integer({ description: 'epoch ms when downloadUrls stop working; 0 when there are none' }),
  statusMessage: Type.Optional(Type.String()),
  progress: Type.Object(
    {
      batchesDone: Type.Integer({ description: 'batches whose report is written' }),
      batchesTotal: Type.Integer({ description: 'batches asked for (batchId or batchFilter)' }),
      rows: Type.Integer({ description: 'rows written so far, all batches together' }),
    },
    { description: 'beyond Sunbird: how far the build has come, updated about once a second while PROCESSING (zeros before it starts; the last build\'s counts after)' },
  ),
});

/** The success envelope around a result schema. */
export function Envelope<T extends TSchema>(result: T) {
  return Type.Object({
    id: Type.String(),
    ver: Type.String(),
    ts: Type.String(),
    params: Type.Object({
      resmsgid: Type.String(),
      msgid: Type.Optional(Type.String()),
      status: Type.String(),
    }),
    responseCode: Type.String(),
    result,
  });
}

export const ErrorEnvelope = Type.Object({
  id: Type.String(),
  ver: Type.String(),
  ts: Type.String(),
  params: Type.Object({ resmsgid: Type.String(), msgid: Type.Optional(Type.String()), status: Type.String(), err: Type.String(), errmsg: Type.String() }),
  responseCode: Type.String(),
  result: Type.Object({}),
});

export const ChannelHeaders = Type.Object({
  'x-channel-id': Type.Optional(Type.String({ description: 'channel (org) the call acts for; required (403 without it). On the user path the root org id (on-demand) or slug (standard exhaust) of the person' })),
  'x-consumer-id': Type.Optional(Type.String({ description: 'consumer path: the API consumer, set by the gateway; it must be mapped to the channel' })),
  'x-authenticated-user-token': Type.Optional(
    Type.String({
      description:
        'user path: the signed-in person\'s token (a JWT verified against EXHAUST_JWKS_URL / EXHAUST_JWT_PUBLIC_KEYS, or passed to Sunbird\'s user service). The call is then decided by the person\'s roles and root org, never by the consumer table. 401: the token cannot be trusted; 403: You are not authorized.; 503: the identity provider cannot be reached',
    }),
  ),
  'x-authenticated-userid': Type.Optional(Type.String({ description: 'user path with Sunbird\'s user service: the signed-in user id (required there); with JWTs it must equal the token\'s subject' })),
});

/** Deep enough for any real paging; past it a 64-bit OFFSET would overflow in SQLite. */
export const MAX_OFFSET = 1_000_000_000;

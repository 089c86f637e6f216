// Sunbird's response envelope (DESIGN §3.2): every success and every error, same shape.
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ErrorCode } from '../errors.js';
import type { ChannelAccess } from '../auth/authorize.js';

export const ApiId = {
  submit: 'ekstep.analytics.job.request.submit',
  read: 'ekstep.analytics.job.request.info',
  list: 'ekstep.analytics.job.request.list',
  cancel: 'data-exhaust.job.request.cancel',
  search: 'ekstep.analytics.job.request.search',
  events: 'data-exhaust.job.request.events',
  webhookCreate: 'data-exhaust.webhook.create',
  webhookList: 'data-exhaust.webhook.list',
  webhookDelete: 'data-exhaust.webhook.delete',
  exhaust: 'org.ekstep.analytics.telemetry',
  datasetAdd: 'ekstep.analytics.dataset.add',
  datasetList: 'ekstep.analytics.dataset.list',
  records: 'data-exhaust.records.import',
  publish: 'data-exhaust.exhaust.publish',
  download: 'data-exhaust.download',
  health: 'api.health',
  reportsPage: 'data-exhaust.reports-page',
  signin: 'data-exhaust.signin',
  unknown: 'data-exhaust.api',
} as const;
export type ApiId = (typeof ApiId)[keyof typeof ApiId];

declare module 'fastify' {
  interface FastifyContextConfig {
    apiId?: ApiId;
    /** Who may call: a channel's caller for submit, for read/list, for the standard exhaust; the admin; a signed-in person of the reports page (its JSON API, its pages); anyone. */
    auth?: ChannelAccess | 'admin' | 'session' | 'session-page' | 'none';
  }
}

/** `2016-12-07T12:43:23.890+00:00`, as Sunbird writes it. */
const timestamp = () => new Date().toISOString().replace('Z', '+00:00');

function msgidOf(request: FastifyRequest): string | undefined {
  const body = request.body as { params?: { msgid?: unknown } } | undefined;
  const msgid = body && typeof body === 'object' ? body.params?.msgid : undefined;
  return typeof msgid === 'string' ? msgid.slice(0, 200) : undefined;
}

export function apiIdOf(request: FastifyRequest): ApiId {
  return request.routeOptions.config?.apiId ?? ApiId.unknown;
}

export function okEnvelope<T>(request: FastifyRequest, result: T) {
  const msgid = msgidOf(request);
  return {
    id: apiIdOf(request),
    ver: '1.0',
    ts: timestamp(),
    params: { resmsgid: randomUUID(), ...(msgid !== undefined ? { msgid } : {}), status: 'successful' as const },
    responseCode: 'OK' as const,
    result,
  };
}

export function errorEnvelope(request: FastifyRequest, code: ErrorCode, message: string) {
  const msgid = msgidOf(request);
  return {
    id: apiIdOf(request),
    ver: '1.0',
    ts: timestamp(),
    params: { resmsgid: randomUUID(), ...(msgid !== undefined ? { msgid } : {}), status: 'failed' as const, err: code, errmsg: message },
    responseCode: code,
    result: {},
  };
}

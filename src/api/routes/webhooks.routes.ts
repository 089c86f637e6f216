// Completion webhooks (admin): register an endpoint for a channel's final statuses, list, remove.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { webhookEvents } from '../../webhooks/webhook-event.js';
import { registerWebhook, removeWebhook, type WebhookContext, webhooksOf } from '../../webhooks/webhook.service.js';
import { ApiId, okEnvelope } from '../envelope.js';
import { Envelope, ErrorEnvelope } from '../schemas.js';

const Channel = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,200}$', description: 'the channel (X-Channel-ID) whose requests are announced' });
const Events = Type.Array(Type.Union(webhookEvents.map((e) => Type.Literal(e))), { minItems: 1, uniqueItems: true, description: webhookEvents.join(', ') });
const Webhook = Type.Object({ id: Type.String(), channel: Type.String(), url: Type.String(), events: Type.Array(Type.String()), createdOn: Type.Integer() });
const errors = { 400: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope };

export const webhookRoutes = (ctx: WebhookContext): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/v1/webhooks', {
    config: { apiId: ApiId.webhookCreate, auth: 'admin' },
    schema: {
      summary: 'Register a completion webhook (admin); its signing secret is in this answer only',
      description:
        'Each event is POSTed as JSON with `X-Exhaust-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>` and `X-Exhaust-Event-Id`; ' +
        'retried with exponential backoff for a day on a non-2xx answer or a timeout; at least once (drop ids already seen). ' +
        'http(s) only; loopback and private addresses are refused unless EXHAUST_WEBHOOK_ALLOW_PRIVATE=1.',
      tags: ['internal'],
      security: [{ admin: [] }],
      body: Type.Object({ channel: Channel, url: Type.String({ minLength: 1, maxLength: 2000 }), events: Events }),
      response: { 200: Envelope(Type.Object({ ...Webhook.properties, secret: Type.String({ description: 'whsec_…: shown once' }) })), ...errors },
    },
    handler: async (request) => okEnvelope(request, await registerWebhook(ctx, request.body)),
  });

  app.get('/v1/webhooks', {
    config: { apiId: ApiId.webhookList, auth: 'admin' },
    schema: {
      summary: 'List webhooks, of one channel or all (admin); never their secrets',
      tags: ['internal'],
      security: [{ admin: [] }],
      querystring: Type.Object({ channel: Type.Optional(Channel) }),
      response: { 200: Envelope(Type.Object({ count: Type.Integer(), webhooks: Type.Array(Webhook) })), ...errors },
    },
    handler: async (request) => {
      const webhooks = await webhooksOf(ctx, request.query.channel);
      return okEnvelope(request, { count: webhooks.length, webhooks });
    },
  });

  app.delete('/v1/webhooks/:id', {
    config: { apiId: ApiId.webhookDelete, auth: 'admin' },
    schema: {
      summary: 'Remove a webhook and its pending deliveries (admin)',
      tags: ['internal'],
      security: [{ admin: [] }],
      params: Type.Object({ id: Type.String({ pattern: '^wh_[0-9a-f]{24}$' }) }),
      response: { 200: Envelope(Type.Object({ id: Type.String(), deleted: Type.Boolean() })), ...errors },
    },
    handler: async (request) => {
      await removeWebhook(ctx, request.params.id);
      return okEnvelope(request, { id: request.params.id, deleted: true });
    },
  });
};

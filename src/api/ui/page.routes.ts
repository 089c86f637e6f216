// The reports page itself (`/`) and its files. The page is a static shell; what it shows comes from
// the session-authenticated JSON API (reports-api.routes.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { notFound } from '../../errors.js';
import { ApiId } from '../envelope.js';
import { PAGE_HEADERS, pageAssets, sendPage } from './assets.js';

export const pageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  pageAssets(); // read at start-up: a missing file stops the service now, not at the first visit

  app.get('/', { config: { apiId: ApiId.reportsPage, auth: 'session-page' }, schema: { hide: true } }, async (_request, reply) => sendPage(reply, 'index.html'));

  app.get('/ui/assets/:name', { config: { apiId: ApiId.reportsPage, auth: 'none' }, schema: { hide: true, params: Type.Object({ name: Type.String({ maxLength: 100 }) }) } }, async (request, reply) => {
    const asset = pageAssets().get(request.params.name);
    if (!asset) throw notFound(`no file ${request.params.name.slice(0, 100)}`);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.headers(PAGE_HEADERS).type(asset.type).header('etag', asset.etag).header('cache-control', 'no-cache').send(asset.body);
  });
};

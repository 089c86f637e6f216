// An unexpected failure always answers with the envelope and is logged, even when the error holds
// something the logger's redaction cannot walk (openid-client's errors keep a URLSearchParams): the logger
// itself keeps an error's plain facts only.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { installErrorHandlers } from '../../src/api/error-handler.js';
import { createLogger } from '../../src/logger.js';

test('an error the logger cannot walk still gives a 500 envelope and a log line', async () => {
  const lines: string[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  installErrorHandlers(app);
  app.get('/boom', async () => {
    throw Object.assign(new Error('the provider answered oddly'), { parameters: new URLSearchParams('code=x&state=y') });
  });
  const res = await app.inject({ method: 'GET', url: '/boom' });
  assert.equal(res.statusCode, 500);
  assert.equal(res.json().responseCode, 'SERVER_ERROR');
  assert.ok(lines.some((line) => line.includes('"msg":"request failed"') && line.includes('the provider answered oddly')), lines.join(''));
  await app.close();
});

test('any logger of the service logs such an error (a worker too), keeping its plain facts', () => {
  const lines: string[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
  const error = Object.assign(new Error('the provider answered oddly'), { code: 'OAUTH_RESPONSE_IS_NOT_CONFORM', parameters: new URLSearchParams('code=x') });
  logger.warn({ err: error }, 'attempt failed');
  logger.error(error, 'as the first argument');
  assert.equal(lines.length, 2);
  for (const line of lines) assert.match(JSON.parse(line).err.code + JSON.parse(line).err.message, /^OAUTH_RESPONSE_IS_NOT_CONFORMthe provider answered oddly$/);
});

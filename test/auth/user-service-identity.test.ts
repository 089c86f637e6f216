// Asking Sunbird's user service who a signed-in person is: a stand-in service on 127.0.0.1 answers
// as Sunbird's own spec fixtures do; the clock is injected, so the cache is tested without sleeps.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { userServiceIdentity, type UserServiceSettings } from '../../src/auth/user-service-identity.js';
import { AppError } from '../../src/errors.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.user-token-SECRET.signature';
const PREFIX = '/private/user/v1/read/';

const found = (userId: string) => ({
  id: 'api.user.read', ver: 'v1', ts: '2024-01-15 10:00:00:000+0000',
  params: { resmsgid: 'r-1', msgid: 'm-1', err: null, status: 'success', errmsg: null },
  responseCode: 'OK',
  result: {
    response: {
      id: userId, userId, rootOrgId: 'org-1',
      rootOrg: { id: 'org-1', slug: 'sunbird', channel: 'sunbird', orgName: 'Sunbird' },
      organisations: [
        { organisationId: 'org-1', roles: ['PUBLIC', 'COURSE_MENTOR'] },
        { organisationId: 'org-2', roles: ['ORG_ADMIN', 'PUBLIC', 42, null] },
      ],
      roles: [{ role: 'PUBLIC', scope: [] }],
      firstName: 'Asha',
    },
  },
});
const notFound = {
  id: 'api.user.read',
  params: { err: 'USER_NOT_FOUND', status: 'failed', errmsg: 'user not found.' },
  responseCode: 'RESOURCE_NOT_FOUND', result: {},
};

interface Asked { path: string; token: string | undefined; accept: string | undefined }

// What the stand-in service says for each user id; anyone else is found.
function answer(userId: string, req: IncomingMessage, res: ServerResponse): void {
  const json = (status: number, body: unknown): void =>
    void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  switch (userId) {
    case 'missing': return json(404, notFound);
    case 'hangs': return; // never answers
    case 'bad-json': return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"api.us');
    case 'no-response': return json(200, { ...found(userId), result: {} });
    case 'no-root-org': {
      const body = found(userId);
      const { rootOrg: _rootOrg, rootOrgId: _rootOrgId, ...response } = body.result.response;
      return json(200, { ...body, result: { response } });
    }
    case 'root-org-id-only': {
      const body = found(userId);
      return json(200, { ...body, result: { response: { ...body.result.response, rootOrg: null, organisations: undefined } } });
    }
    case 'refused-quietly': return json(403, { id: 'api.user.read', params: { status: 'failed' }, responseCode: 'FORBIDDEN' });
    case 'broken': return json(500, { id: 'api.user.read', params: { status: 'failed', errmsg: 'NullPointerException' }, responseCode: 'SERVER_ERROR' });
    case 'echoes-token': return json(401, { params: { errmsg: `token ${req.headers['x-authenticated-user-token']} expired` }, responseCode: 'UNAUTHORIZED' });
    case 'gateway-error': return json(502, { message: 'An invalid response was received from the upstream server' });
    case 'redirects': return void res.writeHead(302, { location: `${PREFIX}redirected` }).end();
    default: return json(200, found(userId));
  }
}

describe('user service identity', () => {
  const asked: Asked[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    asked.push({ path, token: req.headers['x-authenticated-user-token'] as string | undefined, accept: req.headers.accept });
    answer(decodeURIComponent(path.slice(PREFIX.length)), req, res);
  });
  let url = '';
  let clock = 0;
  const service = (overrides: Partial<UserServiceSettings> = {}) =>
    userServiceIdentity({ url, timeoutMs: 2000, cacheSeconds: 30, now: () => clock, ...overrides });

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PREFIX}`;
  });
  after(async () => {
    server.closeAllConnections(); // the hanging request holds its socket open
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    asked.length = 0;
    clock = Date.parse('2024-01-15T10:00:00Z');
  });

  /** The lookup fails with this AppError, and nothing it carries quotes the token. */
  async function rejects(lookup: Promise<unknown>, statusCode: number, message: string | RegExp) {
    await assert.rejects(lookup, (error: unknown) => {
      assert.ok(error instanceof AppError, `not an AppError: ${String(error)}`);
      assert.equal(error.statusCode, statusCode);
      assert.equal(error.code, statusCode === 403 ? 'FORBIDDEN' : 'SERVICE_UNAVAILABLE');
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      assert.ok(!error.message.includes(TOKEN), 'the message quotes the token');
      assert.ok(!String((error.cause as Error | undefined)?.message).includes(TOKEN), 'the cause quotes the token');
      return true;
    });
  }

  describe('a known user', () => {
    test('becomes a Person: roles of all organisations each once, the root organisation', async () => {
      const person = await service().lookup('u-1', TOKEN);
      assert.deepEqual(person, {
        userId: 'u-1',
        roles: ['PUBLIC', 'COURSE_MENTOR', 'ORG_ADMIN'],
        rootOrg: { id: 'org-1', slug: 'sunbird', channel: 'sunbird' },
      });
    });

    test('the token travels in x-authenticated-user-token, the user id URL-encoded after the prefix', async () => {
      const person = await service().lookup('a/b c?d', TOKEN);
      assert.equal(person.userId, 'a/b c?d');
      assert.deepEqual(asked, [{ path: `${PREFIX}a%2Fb%20c%3Fd`, token: TOKEN, accept: 'application/json' }]);
    });

    test('without rootOrg, rootOrgId names the root organisation; without organisations, no roles', async () => {
      const person = await service().lookup('root-org-id-only', TOKEN);
      assert.deepEqual(person, { userId: 'root-org-id-only', roles: [], rootOrg: { id: 'org-1' } });
    });
  });

  describe('a refusal is 403 with the service’s own words', () => {
    test('an unknown user (HTTP 404, RESOURCE_NOT_FOUND)', async () => {
      await rejects(service().lookup('missing', TOKEN), 403, 'user not found.');
    });

    test('without errmsg, the message names the responseCode', async () => {
      await rejects(service().lookup('refused-quietly', TOKEN), 403, /responseCode FORBIDDEN/);
    });

    test('but a failing service (HTTP 500, SERVER_ERROR) is an outage: 503, not a refusal', async () => {
      await rejects(service().lookup('broken', TOKEN), 503, /unavailable: it failed \(HTTP 500, SERVER_ERROR\)/);
    });

    test('an errmsg that echoes the token loses the token', async () => {
      await rejects(service().lookup('echoes-token', TOKEN), 403, 'token [token] expired');
    });

    test('an id that would climb out of the prefix (..) is refused without asking', async () => {
      await rejects(service().lookup('..', TOKEN), 403, /user id/);
      await rejects(service().lookup('u-1', 'two\r\nlines'), 403, /user token/);
      assert.equal(asked.length, 0);
    });
  });

  describe('a user service that cannot answer is 503, never a Person', () => {
    test('it hangs: the lookup gives up after timeoutMs', async () => {
      const started = performance.now();
      await rejects(service({ timeoutMs: 100 }).lookup('hangs', TOKEN), 503, /unavailable: it did not answer within 100 ms/);
      assert.ok(performance.now() - started < 1500, 'the timeout did not cut the wait short');
    });

    test('its body is not JSON', async () => {
      await rejects(service().lookup('bad-json', TOKEN), 503, /unavailable: .*not JSON/);
    });

    test('an OK answer without result.response', async () => {
      await rejects(service().lookup('no-response', TOKEN), 503, /unavailable: .*result\.response/);
    });

    test('an OK answer without any root organisation id', async () => {
      await rejects(service().lookup('no-root-org', TOKEN), 503, /unavailable: .*root organisation/);
    });

    test('a gateway error without Sunbird’s envelope', async () => {
      await rejects(service().lookup('gateway-error', TOKEN), 503, /unavailable: .*HTTP 502.*responseCode/);
    });

    test('a redirect is not followed (it would carry the token elsewhere)', async () => {
      await rejects(service().lookup('redirects', TOKEN), 503, /unavailable: it could not be reached/);
      assert.deepEqual(asked.map((a) => a.path), [`${PREFIX}redirects`]);
    });

    test('nothing listens on its port (connection refused)', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const lookup = service({ url: `http://127.0.0.1:${port}${PREFIX}` }).lookup('u-1', TOKEN);
      await rejects(lookup, 503, /unavailable: it could not be reached/);
    });
  });

  describe('answers are reused per token and user for cacheSeconds', () => {
    test('a second lookup within cacheSeconds asks nothing; after it, the service is asked again', async () => {
      const users = service();
      const first = await users.lookup('u-1', TOKEN);
      clock += 29_999;
      assert.equal(await users.lookup('u-1', TOKEN), first);
      assert.equal(asked.length, 1);
      clock += 1;
      assert.deepEqual(await users.lookup('u-1', TOKEN), first);
      assert.equal(asked.length, 2);
    });

    test('cacheSeconds 0 asks every time', async () => {
      const users = service({ cacheSeconds: 0 });
      await users.lookup('u-1', TOKEN);
      await users.lookup('u-1', TOKEN);
      await Promise.all([users.lookup('u-1', TOKEN), users.lookup('u-1', TOKEN)]);
      assert.equal(asked.length, 4);
    });

    test('another token for the same user is not answered from the first token’s lookup', async () => {
      const users = service();
      await users.lookup('u-1', TOKEN);
      await users.lookup('u-1', 'another-token');
      assert.deepEqual(asked.map((a) => a.token), [TOKEN, 'another-token']);
    });

    test('refusals and failures are not kept', async () => {
      const users = service();
      await rejects(users.lookup('missing', TOKEN), 403, 'user not found.');
      await rejects(users.lookup('missing', TOKEN), 403, 'user not found.');
      await rejects(users.lookup('bad-json', TOKEN), 503, /not JSON/);
      await rejects(users.lookup('bad-json', TOKEN), 503, /not JSON/);
      assert.equal(asked.length, 4);
    });

    test('lookups at the same moment share one request', async () => {
      const users = service();
      const [a, b] = await Promise.all([users.lookup('u-1', TOKEN), users.lookup('u-1', TOKEN)]);
      assert.equal(a, b);
      assert.equal(asked.length, 1);
    });
  });
});

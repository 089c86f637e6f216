// Who a signed-in person is, asked of Sunbird's user service (the user path of DESIGN §3.7): the
// portal forwards `x-authenticated-user-token` and `X-Authenticated-Userid`; we ask
// `GET <url><userId>` with that token and read the person's roles and root organisation from the
// answer. The token is a credential: it never appears in an error message, a log line or a cache key.
import { createHash } from 'node:crypto';
import { AppError, forbidden } from '../errors.js';
import type { Person, RootOrg } from './person.js';

export interface UserServiceSettings {
  /** EXHAUST_USER_READ_URL: prefix to which the URL-encoded user id is appended,
   *  e.g. `http://learner-service/private/user/v1/read/`. */
  url: string;
  /** EXHAUST_USER_READ_TIMEOUT_MS: the whole exchange (connect, answer, body), in ms; default 5000. */
  timeoutMs: number;
  /** EXHAUST_USER_CACHE_SECONDS: how long a successful answer is reused, in s; default 30; 0 = never. */
  cacheSeconds: number;
  /** Clock for the cache, in ms; default Date.now. */
  now?: () => number;
}

export interface UserService {
  lookup(userId: string, token: string): Promise<Person>;
}

// At most this many answers are kept; the oldest goes first. 10 000 small objects is a few MB,
// and a burst of distinct users or tokens cannot grow memory without bound.
const MAX_CACHED = 10_000;

// A token goes into a request header: anything outside visible ASCII (CR/LF above all) would make
// fetch throw, and undici's message for that quotes the header value, i.e. the token.
const HEADER_SAFE = /^[\x21-\x7e]+$/;

// encodeURIComponent turns `/` into %2F but leaves dots alone, and a URL resolves a last segment
// of `..` upwards: `<url>..` would ask the parent path, another endpoint.
const DOT_SEGMENT = /^\.{1,2}$/;

type Json = Record<string, unknown>;

export function userServiceIdentity(settings: UserServiceSettings): UserService {
  const now = settings.now ?? Date.now;
  const answers = new Map<string, { person: Person; expiresAt: number }>();
  const asking = new Map<string, Promise<Person>>();

  function remember(key: string, person: Person): void {
    answers.delete(key); // re-inserted at the end, so the Map's order stays oldest first
    if (answers.size >= MAX_CACHED) answers.delete(answers.keys().next().value!);
    answers.set(key, { person, expiresAt: now() + settings.cacheSeconds * 1000 });
  }

  return {
    async lookup(userId, token) {
      if (!token || !HEADER_SAFE.test(token)) throw forbidden('The user token is missing or malformed');
      if (!userId || DOT_SEGMENT.test(userId)) throw forbidden('The user id is missing or malformed');
      if (settings.cacheSeconds <= 0) return ask(settings, userId, token);

      const key = `${createHash('sha256').update(token).digest('hex')}:${userId}`;
      const answer = answers.get(key);
      if (answer && answer.expiresAt > now()) return answer.person;
      // Lookups that arrive while the same one is under way wait for it rather than ask again;
      // a refusal or failure reaches every waiter and is then forgotten.
      let pending = asking.get(key);
      if (!pending) {
        pending = ask(settings, userId, token)
          .then((person) => {
            remember(key, person);
            return person;
          })
          .finally(() => asking.delete(key));
        asking.set(key, pending);
      }
      return pending;
    },
  };
}

async function ask(settings: UserServiceSettings, userId: string, token: string): Promise<Person> {
  let status: number;
  let body: string;
  try {
    const response = await fetch(settings.url + encodeURIComponent(userId), {
      headers: { 'x-authenticated-user-token': token, accept: 'application/json' },
      // fetch would carry our custom token header along a redirect to any host: refuse instead.
      redirect: 'error',
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    status = response.status;
    body = await response.text();
  } catch (error) {
    const late = error instanceof Error && error.name === 'TimeoutError';
    throw unavailable(late ? `it did not answer within ${settings.timeoutMs} ms` : 'it could not be reached', error);
  }

  let answer: Json | undefined;
  try {
    answer = objectOf(JSON.parse(body));
  } catch {
    throw unavailable(`its answer (HTTP ${status}) is not JSON`);
  }
  const responseCode = answer?.responseCode;
  if (!answer || typeof responseCode !== 'string') throw unavailable(`its answer (HTTP ${status}) has no responseCode`);
  // A failing service (HTTP 5xx, SERVER_ERROR) is an outage, not a verdict on the person: 503.
  if (status >= 500 || responseCode === 'SERVER_ERROR' || responseCode === 'SERVICE_UNAVAILABLE') throw unavailable(`it failed (HTTP ${status}, ${responseCode.slice(0, 100)})`);
  // Otherwise Sunbird says no in the envelope whatever the HTTP status (404 for an unknown user): its word is final.
  if (responseCode !== 'OK') throw refusal(responseCode, answer, token);
  if (status < 200 || status > 299) throw unavailable(`it answered HTTP ${status} with responseCode OK`);
  return personOf(userId, answer);
}

function personOf(userId: string, answer: Json): Person {
  const response = objectOf(objectOf(answer.result)?.response);
  if (!response) throw unavailable('its answer has no result.response');
  const org = objectOf(response.rootOrg);
  const id = textOf(org?.id) ?? textOf(response.rootOrgId);
  if (!id) throw unavailable('its answer names no root organisation');
  const slug = textOf(org?.slug);
  const channel = textOf(org?.channel);
  const rootOrg: RootOrg = Object.freeze({ id, ...(slug && { slug }), ...(channel && { channel }) });
  // Roles are held per organisation; the person's roles are all of them, each once. The top-level
  // `roles` is not read: its entries are not plain names in every Sunbird release.
  const roles = new Set<string>();
  const organisations = Array.isArray(response.organisations) ? response.organisations : [];
  for (const organisation of organisations) {
    const held = objectOf(organisation)?.roles;
    if (Array.isArray(held)) for (const role of held) if (typeof role === 'string' && role) roles.add(role);
  }
  // Frozen: a cached Person is handed to many callers.
  return Object.freeze({ userId, roles: Object.freeze([...roles]), rootOrg });
}

function refusal(responseCode: string, answer: Json, token: string): AppError {
  const errmsg = textOf(objectOf(answer.params)?.errmsg)?.slice(0, 500);
  const message = errmsg ?? `The user service refused the lookup (responseCode ${responseCode.slice(0, 100)})`;
  // The text is the service's own; should it ever echo the token, the token stops here.
  return forbidden(message.replaceAll(token, '[token]'));
}

function unavailable(reason: string, cause?: unknown): AppError {
  return new AppError('SERVICE_UNAVAILABLE', `The user service is unavailable: ${reason}`, { cause });
}

function objectOf(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

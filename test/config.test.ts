import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';

describe('config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exhaust-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('defaults', () => {
    const c = loadConfig({ EXHAUST_DATA_DIR: dir });
    assert.equal(c.port, 8080);
    assert.equal(c.host, '127.0.0.1');
    assert.deepEqual(c.database, { dialect: 'sqlite', url: join(dir, 'exhaust.db') });
    assert.equal(c.adminToken, undefined);
    assert.equal(c.timeZone, 'UTC');
    assert.equal(c.urlTtlMinutes, 30);
    assert.equal(c.publicUrl, 'http://127.0.0.1:8080');
    assert.ok(Object.isFrozen(c));
  });

  test('loading writes nothing: the data dir is not even created', () => {
    const dataDir = join(dir, 'not-yet');
    const c = loadConfig({ EXHAUST_DATA_DIR: dataDir });
    assert.equal(c.secret, undefined);
    assert.equal(existsSync(dataDir), false);
  });

  test('every problem is reported at once, a line each', () => {
    const env = { EXHAUST_DATA_DIR: dir, PORT: 'eighty', EXHAUST_TZ: 'Mars/Olympus', EXHAUST_STORAGE: 's3', S3_REGION: 'us east', EXHAUST_DEMO: 'maybe' };
    assert.throws(
      () => loadConfig(env),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.deepEqual(e.problems, [
          'PORT="eighty" is not an integer between 0 and 65535',
          'EXHAUST_TZ="Mars/Olympus" is not an IANA time zone (e.g. UTC, Asia/Kolkata)',
          'S3_REGION="us east" is not a region name (e.g. us-east-1)',
          'S3_ACCESS_KEY_ID is required when EXHAUST_STORAGE=s3',
          'S3_SECRET_ACCESS_KEY is required when EXHAUST_STORAGE=s3',
          'EXHAUST_DEMO="maybe" must be 1, true or yes, or 0, false or no',
        ]);
        assert.equal(e.message, e.problems.join('\n'));
        return true;
      },
    );
  });

  test('sign-in: roles by default, no identity provider until one is configured', () => {
    const c = loadConfig({ EXHAUST_DATA_DIR: dir });
    assert.deepEqual(c.signIn.ondemandRoles, ['ORG_ADMIN', 'REPORT_ADMIN', 'CONTENT_CREATOR', 'COURSE_MENTOR', 'PROGRAM_MANAGER', 'PROGRAM_DESIGNER']);
    assert.deepEqual(c.signIn.standardRoles, ['ORG_ADMIN', 'REPORT_ADMIN']);
    assert.equal(c.signIn.superAdminChannel, undefined);
    assert.equal(c.signIn.jwt, undefined);
    assert.equal(c.signIn.userService, undefined);
  });

  test('sign-in: signed tokens and the user service, with their defaults', () => {
    const c = loadConfig({
      EXHAUST_DATA_DIR: dir,
      EXHAUST_JWKS_URL: 'https://id.example.org/realms/sunbird/protocol/openid-connect/certs',
      EXHAUST_JWT_ISSUER: 'https://id.example.org/realms/sunbird',
      EXHAUST_JWT_AUDIENCE: 'data-exhaust',
      EXHAUST_USER_READ_URL: 'http://learner:9000/private/user/v1/read/',
      EXHAUST_ONDEMAND_ROLES: 'ORG_ADMIN, COURSE_MENTOR',
    });
    assert.deepEqual(c.signIn.ondemandRoles, ['ORG_ADMIN', 'COURSE_MENTOR']);
    assert.equal(c.signIn.jwt?.rolesClaim, 'realm_access.roles');
    assert.equal(c.signIn.jwt?.orgClaim, 'rootOrgId');
    assert.equal(c.signIn.jwt?.jwksRefetchSeconds, 30);
    assert.deepEqual(c.signIn.userService, { url: 'http://learner:9000/private/user/v1/read/', timeoutMs: 5000, cacheSeconds: 30 });
  });

  test('sign-in: a key source without issuer and audience, and bad values, are all reported', () => {
    assert.throws(
      () => loadConfig({ EXHAUST_DATA_DIR: dir, EXHAUST_JWT_PUBLIC_KEYS: 'keys/realm.pem', EXHAUST_JWT_ROLES_CLAIM: 'a..b', EXHAUST_STANDARD_ROLES: 'ORG ADMIN', EXHAUST_USER_READ_URL: 'learner:9000' }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.deepEqual(e.problems, [
          'EXHAUST_STANDARD_ROLES="ORG ADMIN" must be a comma-separated list of role names',
          'EXHAUST_USER_READ_URL is not an http(s) URL',
          'EXHAUST_JWT_ISSUER is required when EXHAUST_JWKS_URL or EXHAUST_JWT_PUBLIC_KEYS is set',
          'EXHAUST_JWT_AUDIENCE is required when EXHAUST_JWKS_URL or EXHAUST_JWT_PUBLIC_KEYS is set',
          'EXHAUST_JWT_ROLES_CLAIM="a..b" must be a claim name or a dotted path (e.g. realm_access.roles)',
        ]);
        return true;
      },
    );
  });

  test('sign-in: both key sources at once is one problem, beside the others', () => {
    assert.throws(
      () => loadConfig({ EXHAUST_DATA_DIR: dir, EXHAUST_JWKS_URL: 'ftp://id.example.org/certs', EXHAUST_JWT_PUBLIC_KEYS: 'keys/realm.pem', EXHAUST_JWT_AUDIENCE: 'exhaust' }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.deepEqual(e.problems, [
          'EXHAUST_JWKS_URL and EXHAUST_JWT_PUBLIC_KEYS are both set: user tokens take their keys from one of them',
          'EXHAUST_JWKS_URL is not an http(s) URL',
          'EXHAUST_JWT_ISSUER is required when EXHAUST_JWKS_URL or EXHAUST_JWT_PUBLIC_KEYS is set',
        ]);
        return true;
      },
    );
  });

  test('sign-in: OpenID Connect without a way to know the person is refused at start, not after the provider', () => {
    assert.throws(
      () => loadConfig({ EXHAUST_DATA_DIR: dir, EXHAUST_OIDC_ISSUER: 'https://id.example.org/realms/sunbird', EXHAUST_OIDC_CLIENT_ID: 'exhaust' }),
      (e: unknown) => e instanceof ConfigError && e.problems.length === 1 && /^EXHAUST_OIDC_ISSUER needs a way to know the person signing in/.test(e.problems[0]!),
    );
    const ok = loadConfig({ EXHAUST_DATA_DIR: dir, EXHAUST_OIDC_ISSUER: 'https://id.example.org/realms/sunbird', EXHAUST_OIDC_CLIENT_ID: 'exhaust', EXHAUST_USER_READ_URL: 'http://learner:9000/api/user/v5/read' });
    assert.equal(ok.signIn.oidc?.clientId, 'exhaust');
  });

  test('a postgres URL selects PostgreSQL', () => {
    const c = loadConfig({ EXHAUST_DATA_DIR: dir, DATABASE_URL: 'postgres://u@db:5432/exhaust' });
    assert.deepEqual(c.database, { dialect: 'postgres', url: 'postgres://u@db:5432/exhaust' });
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ PORT: 'eighty' }, /^PORT="eighty" is not an integer between 0 and 65535$/],
    [{ PORT: '70000' }, /^PORT=/],
    [{ DATABASE_URL: 'mysql://root:pw@x/db' }, /^DATABASE_URL must start with postgres:\/\/ or sqlite:/],
    [{ EXHAUST_SECRET: 'short' }, /^EXHAUST_SECRET must be at least 32 characters$/],
    [{ EXHAUST_ADMIN_TOKEN: 'abc' }, /^EXHAUST_ADMIN_TOKEN must be at least 16 characters$/],
    [{ EXHAUST_TZ: 'Mars/Olympus' }, /^EXHAUST_TZ="Mars\/Olympus" is not an IANA time zone/],
    [{ EXHAUST_URL_TTL_MINUTES: '0' }, /^EXHAUST_URL_TTL_MINUTES="0" is not an integer between 1 and 10080$/],
    [{ EXHAUST_LOG_LEVEL: 'loud' }, /^EXHAUST_LOG_LEVEL="loud" must be one of/],
    [{ EXHAUST_PUBLIC_URL: 'ftp://x' }, /^EXHAUST_PUBLIC_URL=/],
    [{ EXHAUST_CONTAINER: 'Bad_Name' }, /^EXHAUST_CONTAINER="Bad_Name" must be 3–63/],
  ];
  for (const [env, message] of bad) {
    test(`refuses ${JSON.stringify(env)} naming the variable`, () => {
      assert.throws(() => loadConfig({ EXHAUST_DATA_DIR: dir, ...env }), (e: unknown) => e instanceof ConfigError && message.test(e.message));
    });
  }

  test('a bad DATABASE_URL is not echoed (it may carry a password)', () => {
    assert.throws(() => loadConfig({ EXHAUST_DATA_DIR: dir, DATABASE_URL: 'mysql://root:hunter2@x/db' }), (e: Error) => !e.message.includes('hunter2'));
  });
});

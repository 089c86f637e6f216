// Whatever a client sends, the answer is an envelope with a 4xx — never a 500 or a framework page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminHeaders, allowChannels, channelHeaders, startTestApp, type TestApp } from '../helpers/app.js';
import { dialects, type TestDatabase } from '../helpers/databases.js';

for (const dialect of dialects) {
  describe(`odd input (${dialect.name})`, () => {
    let database: TestDatabase;
    let t: TestApp;
    before(async () => {
      database = await dialect.open();
      await allowChannels(database, ['chan-a']);
      t = await startTestApp(database);
    });
    after(async () => {
      await t.close();
      await database.drop();
    });

    const json = { 'content-type': 'application/json' };
    const cases: { name: string; method: 'GET' | 'POST'; url: string; headers?: Record<string, string>; payload?: string }[] = [
      { name: 'bad percent-encoding in the path', method: 'GET', url: '/dataset/v1/request/read/%ZZ?requestId=A' },
      { name: 'an encoded slash in the tag', method: 'GET', url: '/dataset/v1/request/list/a%2Fb' },
      { name: 'a NUL in the tag', method: 'GET', url: '/dataset/v1/request/list/a%00b' },
      { name: 'repeated limit', method: 'GET', url: '/dataset/v1/request/list/t?limit=1&limit=2' },
      { name: 'huge offset', method: 'GET', url: '/dataset/v1/request/list/t?offset=99999999999999999999999' },
      { name: 'JSON null body', method: 'POST', url: '/dataset/v1/request/submit', headers: json, payload: 'null' },
      { name: 'JSON string body', method: 'POST', url: '/dataset/v1/request/submit', headers: json, payload: '"hello"' },
      { name: 'prototype pollution', method: 'POST', url: '/dataset/v1/request/submit', headers: json, payload: '{"__proto__": {"x": 1}, "request": {}}' },
      { name: 'request a string', method: 'POST', url: '/dataset/v1/request/submit', headers: json, payload: '{"request": "x"}' },
      { name: 'datasetConfig an array', method: 'POST', url: '/dataset/v1/request/submit', headers: json, payload: '{"request": {"tag": "t", "dataset": "progress-exhaust", "datasetConfig": [1]}}' },
      { name: 'batchId a number', method: 'POST', url: '/dataset/v1/request/submit', headers: json, payload: '{"request": {"tag": "t", "dataset": "progress-exhaust", "datasetConfig": {"batchId": 7}}}' },
      { name: 'params.msgid an object', method: 'POST', url: '/dataset/v1/request/submit', headers: json, payload: '{"params": {"msgid": {}}, "request": {}}' },
      { name: 'deeply nested body', method: 'POST', url: '/dataset/v1/request/submit', headers: json, payload: '{"request": {"datasetConfig": ' + '['.repeat(5000) + ']'.repeat(5000) + '}}' },
      { name: 'search with filters a list', method: 'POST', url: '/dataset/v1/request/search', headers: { ...json, ...adminHeaders }, payload: '{"request": {"filters": [1]}}' },
      { name: 'dataset add with roles a string', method: 'POST', url: '/dataset/v1/add', headers: { ...json, ...adminHeaders }, payload: '{"request": {"dataset": "d", "authorizedRoles": "ADMIN"}}' },
      { name: 'GET with a body on submit', method: 'GET', url: '/dataset/v1/request/submit' },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        const res = await t.app.inject({ method: c.method, url: c.url, headers: { ...channelHeaders('chan-a'), ...c.headers }, ...(c.payload !== undefined ? { payload: c.payload } : {}) });
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body.slice(0, 200)}`);
        const body = res.json();
        assert.equal(body.params.status, 'failed');
        assert.ok(body.params.errmsg.length > 0);
      });
    }
  });
}

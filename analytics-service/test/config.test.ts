import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig, parseApiKeys } from '../src/config.js';

const base = { ES_URL: 'http://127.0.0.1:9200', AISEC_API_KEYS: 'read:0123456789abcdef' };

test('defaults are sane and secure', () => {
  const config = loadConfig(base);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 8080);
  assert.equal(config.indexPrefix, 'aisec');
  assert.equal(config.authDisabled, false);
  assert.ok(config.bodyLimitBytes >= 10 * 1024 * 1024);
});

test('each bad setting is named in the error', () => {
  assert.throws(() => loadConfig({ AISEC_API_KEYS: base.AISEC_API_KEYS }), /ES_URL is not set/);
  assert.throws(() => loadConfig({ ...base, PORT: 'eighty' }), /PORT must be a whole number/);
  assert.throws(() => loadConfig({ ...base, AISEC_INDEX_PREFIX: 'Bad Prefix' }), /AISEC_INDEX_PREFIX/);
  assert.throws(() => loadConfig({ ...base, AISEC_EVENTS_RETENTION: '3 months' }), /AISEC_EVENTS_RETENTION/);
  assert.throws(() => loadConfig({ ES_URL: base.ES_URL }), /AISEC_API_KEYS is empty/);
  assert.throws(() => parseApiKeys('root:0123456789abcdef'), /role one of ingest, read, admin/);
  assert.throws(() => parseApiKeys('read:short'), /shorter than 16/);
  assert.throws(() => loadConfig({ ...base, AISEC_AUTH_DISABLED: 'maybe' }), ConfigError);
});

test('auth can be disabled only explicitly', () => {
  const config = loadConfig({ ES_URL: base.ES_URL, AISEC_AUTH_DISABLED: 'true' });
  assert.equal(config.authDisabled, true);
  assert.deepEqual(config.apiKeys, []);
});

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

test('every setting is read from the one schema, with the messages and defaults the docs give', () => {
  const config = loadConfig(base);
  // defaults as the README's settings table, docs/ueba.md and docs/detection.md state them
  assert.equal(config.ueba.refreshIntervalMs, 3_600_000);
  assert.equal(config.ueba.riskHalfLifeDays, 7);
  assert.equal(config.detection.streaming.pollMs, 250);
  assert.equal(config.detection.webhooks.maxAgeMs, 24 * 3_600_000);
  assert.equal(config.detection.webhooks.minSeverity, 'high');
  assert.equal(config.contentMode, 'store');
  assert.equal(config.exports.syncMaxEvents, 10_000);
  assert.equal(config.rollupIntervalMs, 60_000);
  assert.equal(loadConfig({ ...base, AISEC_ROLLUP_INTERVAL: 'off' }).rollupIntervalMs, 0);
  assert.equal(loadConfig({ ...base, AISEC_ROLLUP_INTERVAL: '30s' }).rollupIntervalMs, 30_000);
  const message = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };
  assert.equal(message({ AISEC_RISK_HALF_LIFE_DAYS: '0' }), 'AISEC_RISK_HALF_LIFE_DAYS must be a number from 0.1 to 365 (got "0")');
  assert.equal(message({ AISEC_EVENTS_SHARDS: '1.5' }), 'AISEC_EVENTS_SHARDS must be a whole number from 1 to 64 (got "1.5")');
  assert.equal(message({ AISEC_CONTENT_MODE: 'shred' }), 'AISEC_CONTENT_MODE must be one of store, hash, redact, drop (got "shred")');
  assert.equal(message({ AISEC_DETECTION_STREAMING: ' Maybe ' }), 'AISEC_DETECTION_STREAMING must be true or false (got " Maybe ")');
  assert.match(message({ AISEC_WEBHOOK_QUEUE: '100' }), /^AISEC_WEBHOOK_QUEUE is no longer used: .* unset it$/);
  assert.equal(message({ AISEC_ROLLUP_INTERVAL: '1d' }), 'AISEC_ROLLUP_INTERVAL must look like 30s, 1m or 1h, or be "off" (got "1d")');
  assert.equal(message({ AISEC_UEBA_REFRESH_INTERVAL: '30s' }), 'AISEC_UEBA_REFRESH_INTERVAL must be at least 1m (got "30s")');
  assert.equal(message({ AISEC_UEBA_TIMEZONE: 'Mars/Olympus' }), 'AISEC_UEBA_TIMEZONE must be an IANA time zone such as UTC or Europe/Berlin (got "Mars/Olympus")');
  // blank is unset; a password is kept as given
  assert.equal(loadConfig({ ...base, PORT: '  ' }).port, 8080);
  assert.equal(loadConfig({ ...base, ES_USERNAME: 'svc', ES_PASSWORD: ' p w ' }).elasticsearch.password, ' p w ');
});

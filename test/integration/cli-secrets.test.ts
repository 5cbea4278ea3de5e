/**
 * The CLI never prints the API key: `--help` (top level and per command) and usage errors show the option,
 * not the value of AISEC_API_KEY (issue 12, finding 6).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aisec } from './cli-runner.js';

const SECRET = 'cli-secret-key-must-not-print-0123456789';

test('aisec --help, a subcommand help and a usage error never show AISEC_API_KEY', async () => {
  const env = { AISEC_API_KEY: SECRET, AISEC_URL: 'http://127.0.0.1:9' };
  for (const args of [['--help'], ['alerts', '--help'], ['events', 'tail', '--help'], ['alerts', 'list', '--no-such-flag']]) {
    const result = await aisec(args, env);
    assert.match(result.stdout + result.stderr, /Usage|unknown option/i, `aisec ${args.join(' ')} answered`);
    assert.ok(!(result.stdout + result.stderr).includes(SECRET), `aisec ${args.join(' ')} printed the API key`);
    assert.ok(!(result.stdout + result.stderr).includes(SECRET.slice(0, 16)), `aisec ${args.join(' ')} printed part of the API key`);
  }
  const top = await aisec(['--help'], env);
  assert.match(top.stdout, /--api-key <key>/, 'the option is still documented');
});

/**
 * Runs test files again and again to find the failures that come one run in twenty.
 *
 *   node --import tsx scripts/repeat-tests.ts [--runs 30] [--logs DIR] <test file>...
 *
 * Each round runs every file once, one after another, through test/run-tests.ts (so ES_URL, when set, is
 * reused). The log of every failing run is kept in DIR (default .data/repeat-tests) and named in the output;
 * each run prints one line (file, round, result, seconds, machine load), and the end a count per file.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  options: { runs: { type: 'string', default: '30' }, logs: { type: 'string', default: join(repoRoot, '.data', 'repeat-tests') } },
  allowPositionals: true,
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || positionals.length === 0) {
  console.error('usage: node --import tsx scripts/repeat-tests.ts [--runs 30] [--logs DIR] <test file>...');
  process.exit(2);
}
mkdirSync(values.logs, { recursive: true });

function runOnce(file: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/run-tests.ts'), file], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => done({ ok: code === 0, output }));
  });
}

const tally = new Map(positionals.map((f) => [f, { passed: 0, failed: 0, logs: [] as string[] }]));
for (let round = 1; round <= runs; round++) {
  for (const file of positionals) {
    const started = Date.now();
    const { ok, output } = await runOnce(file);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const entry = tally.get(file)!;
    let note = '';
    if (ok) entry.passed++;
    else {
      entry.failed++;
      const log = join(values.logs, `${basename(file, '.test.ts')}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
      writeFileSync(log, output);
      entry.logs.push(log);
      note = ` log ${log}`;
    }
    const figures = output.split('\n').filter((line) => /^# [a-z-]+: /.test(line)).join(' | ');
    console.log(`${file} round ${round}/${runs}: ${ok ? 'pass' : 'FAIL'} in ${seconds} s, load ${loadavg()[0]!.toFixed(1)}${note}${figures ? ` ${figures}` : ''}`);
  }
}
console.log('\nsummary');
for (const [file, { passed, failed, logs }] of tally) console.log(`${file}: ${passed} of ${passed + failed} runs passed${failed ? `; failures: ${logs.join(', ')}` : ''}`);
process.exit([...tally.values()].some((t) => t.failed > 0) ? 1 : 0);

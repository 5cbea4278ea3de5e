/**
 * aisec — the command line of the AI-security analytics service. This file only wires the commands together.
 */
import { Command } from 'commander';
import { CliError } from './client.js';
import { registerAlerts } from './commands/alerts.js';
import { registerBackfill } from './commands/backfill.js';
import { registerBaselines } from './commands/baselines.js';
import { registerContentPack } from './commands/content-pack.js';
import { registerDemo } from './commands/demo.js';
import { registerDetections } from './commands/detections.js';
import { registerEvents } from './commands/events.js';
import { registerExports } from './commands/exports.js';
import { registerStatus } from './commands/status.js';

// `aisec … | head` closes stdout early: that is not an error
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const program = new Command('aisec')
  .description('AI-security analytics from the command line: live events, alerts, retro-hunts, backfills, baselines, forensic exports')
  .version('0.1.0')
  .option('--url <url>', 'service URL (env AISEC_URL)', process.env.AISEC_URL ?? 'http://127.0.0.1:8080')
  // no default shown here: commander prints defaults in --help, and the key is a secret (commands/context.ts reads the variable)
  .option('--api-key <key>', 'API key (env AISEC_API_KEY; prefer the variable: command lines are visible to other users)')
  .option('--json', 'machine-readable JSON output', false)
  .option('--no-color', 'no colours (also NO_COLOR=1)')
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText(
    'after',
    `
Exit codes: 0 ok, 1 error, 2 bad usage, 3 verification failed or events rejected.
Examples:
  aisec events tail --severity high
  aisec events tail --decision block
  aisec alerts list --since 24h --severity critical
  aisec detections run --from 2026-02-01T00:00:00Z --to 2026-02-08T00:00:00Z
  aisec backfill events-*.ndjson.gz
  aisec export create --since 90d --description "Forensic preservation - IR-2026-042 - DO NOT DELETE"
  aisec export verify exp-20260211-143000-3f9a1c2b
  aisec demo --rate 5`,
  );

registerStatus(program);
registerEvents(program);
registerAlerts(program);
registerDetections(program);
registerBackfill(program);
registerBaselines(program);
registerExports(program);
registerContentPack(program);
registerDemo(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CliError) {
    process.stderr.write(`aisec: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  throw error;
}

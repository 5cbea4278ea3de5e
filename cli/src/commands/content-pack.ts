/** aisec content-pack --format spl|kql|sigma|kibana */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliError } from '../client.js';
import { info } from '../output.js';
import { contextOf } from './context.js';

const FORMATS = ['spl', 'kql', 'sigma', 'kibana'];

export function registerContentPack(program: Command): void {
  program
    .command('content-pack')
    .description('the detection rules as Splunk SPL, Sentinel KQL, Sigma or Kibana detection rules (NDJSON for Elastic Security\'s rule import), generated from the same definitions the engine runs')
    .requiredOption('--format <format>', FORMATS.join(' | '))
    .option('--rules <ids>', 'comma-separated rule ids (default: all)')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (options: { format: string; rules?: string; out?: string }, command: Command) => {
      const { client } = contextOf(command);
      if (!FORMATS.includes(options.format)) throw new CliError(`--format must be one of ${FORMATS.join(', ')} (got "${options.format}")`, 2);
      const response = await client.send('GET', '/v1/content-pack', { query: { format: options.format, rules: options.rules }, role: 'read', headers: { accept: '*/*' } });
      const text = await response.text();
      if (options.out) {
        await writeFile(options.out, text);
        info(`wrote ${options.out}`);
      } else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    });
}

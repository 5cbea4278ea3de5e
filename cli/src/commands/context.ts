/** What every command gets: the client and the global flags. */
import type { Command } from 'commander';
import { AisecClient } from '../client.js';
import { setColour } from '../output.js';

export interface GlobalOptions {
  url: string;
  apiKey?: string;
  json: boolean;
  color: boolean;
}

export interface Context {
  client: AisecClient;
  json: boolean;
}

export function contextOf(command: Command): Context {
  const options = command.optsWithGlobals<GlobalOptions>();
  setColour(options.color && !options.json);
  // the variable is read here, not given to commander as the option's default, which --help would print
  const apiKey = options.apiKey || process.env.AISEC_API_KEY || undefined;
  return { client: new AisecClient({ url: options.url, ...(apiKey ? { apiKey } : {}) }), json: options.json };
}

/** Term filters shared by events commands, as commander options → query parameters. */
export const EVENT_FILTERS = [
  ['user-id', 'user_id'],
  ['category', 'category'],
  ['decision', 'decision'],
  ['severity', 'severity'],
  ['model', 'model'],
  ['endpoint', 'endpoint'],
  ['session-id', 'session_id'],
  ['agent-id', 'agent_id'],
  ['src-ip', 'src_ip'],
] as const;

export function addEventFilters(command: Command): Command {
  for (const [flag, field] of EVENT_FILTERS) command.option(`--${flag} <value>`, `only events with this ${field}`);
  return command;
}

export function eventFilterQuery(options: Record<string, unknown>): Record<string, string | undefined> {
  const query: Record<string, string | undefined> = {};
  for (const [flag, field] of EVENT_FILTERS) {
    const key = flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (typeof options[key] === 'string') query[field] = options[key] as string;
  }
  return query;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and prints where the time went: self time summed by
 * function and by file (package for node_modules), as milliseconds and shares of the sampled time.
 *
 * `--long-tasks <ms>` also lists the stretches the event loop was busy without a break for at least that long (every
 * request the process serves waits them out), each with where its samples were: the innermost function of the
 * service's own code on the stack, or the garbage collector.
 *
 *   node --import tsx bench/cpuprofile-summary.ts <file.cpuprofile> [--top 30] [--long-tasks 200]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' }, 'long-tasks': { type: 'string' } } });
if (positionals.length !== 1) {
  console.error('usage: cpuprofile-summary.ts <file.cpuprofile> [--top N] [--long-tasks MS]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;
const top = Number(values.top);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

function where(url: string): string {
  if (url === '') return '(native/V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.indexOf('/analytics-service/');
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const file = where(url);
  const name = `${functionName || '(anonymous)'} ${file}${url ? `:${lineNumber + 1}` : ''}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  byFile.set(file, (byFile.get(file) ?? 0) + us);
}
const idle = [...selfUs].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);

const table = (title: string, rows: Map<string, number>) => {
  console.log(`\n${title}\n| self ms | % of samples | % of busy |\n|---:|---:|---:|`);
  const sorted = [...rows].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, us] of sorted) {
    const busyShare = name.startsWith('(idle)') ? '' : ((100 * us) / (total - idle)).toFixed(1);
    console.log(`| ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)} | ${busyShare} | ${name}`);
  }
};
console.log(`profile ${positionals[0]}: ${(total / 1e6).toFixed(1)} s sampled, ${(idle / 1e6).toFixed(1)} s idle, ${((total - idle) / 1e6).toFixed(1)} s busy`);
table('By function (self time)', byFunction);
table('By file or package (self time)', byFile);

if (values['long-tasks'] !== undefined) longTasks(Number(values['long-tasks']) * 1000);

/** The busy stretches of at least `minUs` (samples in a row, none idle), the longest first. */
function longTasks(minUs: number): void {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  /** the innermost frame of the service's own code above a sample, or the sample's own frame (GC, native, a package) */
  const owner = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url, lineNumber } = byId.get(at)!.callFrame;
      if (url.includes('/analytics-service/src/')) return `${functionName || '(anonymous)'} ${where(url)}:${lineNumber + 1}`;
    }
    const { functionName, url } = byId.get(id)!.callFrame;
    return `${functionName || '(anonymous)'} ${where(url)}`;
  };
  const tasks: Array<{ at: number; us: number; owners: Map<string, number> }> = [];
  let current: (typeof tasks)[number] | undefined;
  let clock = profile.startTime;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    clock += us;
    if (byId.get(id)!.callFrame.functionName === '(idle)') {
      if (current && current.us >= minUs) tasks.push(current);
      current = undefined;
      return;
    }
    current ??= { at: clock, us: 0, owners: new Map() };
    current.us += us;
    const name = owner(id);
    current.owners.set(name, (current.owners.get(name) ?? 0) + us);
  });
  if (current && current.us >= minUs) tasks.push(current);
  const busy = tasks.reduce((a, t) => a + t.us, 0);
  console.log(`\nBusy stretches of ${minUs / 1000} ms or more: ${tasks.length}, ${(busy / 1e6).toFixed(1)} s in all (longest first, top ${top})`);
  console.log('| at, s into the profile | ms | where its samples were (ms) |\n|---:|---:|---|');
  for (const t of [...tasks].sort((a, b) => b.us - a.us).slice(0, top)) {
    const owners = [...t.owners].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([name, us]) => `${name} ${(us / 1000).toFixed(0)}`);
    console.log(`| ${((t.at - profile.startTime) / 1e6).toFixed(1)} | ${(t.us / 1000).toFixed(0)} | ${owners.join('; ')} |`);
  }
}

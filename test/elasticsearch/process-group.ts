/**
 * Process bookkeeping: never leave an orphan JVM behind. The node runs in its own process group; a group is
 * stopped as a whole, on our exit or signal too, and a detached watchdog takes it down if we die without
 * running our exit handler.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';

export interface Live {
  pgid: number;
  tempDirs: string[];
  persistent: boolean;
  stop: () => Promise<void>;
}

const live = new Set<Live>();
let handlersInstalled = false;

export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * Whether any non-zombie process is left in the group. Zombies matter: when the launcher JVM dies
 * before the server JVM, the server is re-parented to init and may sit there as a zombie for a while
 * (this machine's init reaps lazily), so `kill(-pgid, 0)` would keep reporting the group as alive.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp ..." — comm may contain spaces/parens, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

function onSignal(signal: NodeJS.Signals): void {
  // If the application handles this signal itself it is responsible for calling stop().
  if (process.listenerCount(signal) > 1) return;
  const code = 128 + (signal === 'SIGINT' ? 2 : 15);
  void Promise.allSettled([...live].map((l) => l.stop())).finally(() => process.exit(code));
}

export function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const l of live) {
      // Temp nodes can die hard; a persistent node gets a graceful SIGTERM it completes on its own.
      killGroup(l.pgid, l.persistent ? 'SIGTERM' : 'SIGKILL');
      for (const d of l.tempDirs) {
        try {
          rmSync(d, { recursive: true, force: true });
        } catch {
          /* best effort */
        }
      }
    }
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * A detached shell that outlives us: if this Node process dies without running its 'exit' handler
 * (SIGKILL, OOM), it takes the ES process group down and removes the temp dirs.
 */
export function spawnWatchdog(pgid: number, tempDirs: string[]): ChildProcess {
  // `kill -s SIG -- -PGID` is the spelling dash, bash and busybox sh all accept for a process group.
  const script = [
    'parent=$1; pgid=$2; shift 2',
    'alive() { kill -s 0 -- "-$pgid" 2>/dev/null; }',
    'while kill -s 0 "$parent" 2>/dev/null && alive; do sleep 1; done',
    'if alive; then',
    '  kill -s TERM -- "-$pgid" 2>/dev/null',
    '  i=0; while alive && [ $i -lt 20 ]; do sleep 1; i=$((i+1)); done',
    '  kill -s KILL -- "-$pgid" 2>/dev/null',
    'fi',
    '[ $# -gt 0 ] && rm -rf -- "$@"',
    'exit 0',
  ].join('\n');
  const w = spawn('/bin/sh', ['-c', script, 'es-watchdog', String(process.pid), String(pgid), ...tempDirs], {
    detached: true,
    stdio: 'ignore',
  });
  w.on('error', () => {});
  w.unref();
  return w;
}

export function sleep(ms: number, unref = false): Promise<void> {
  return new Promise((r) => {
    const t = setTimeout(r, ms);
    if (unref) t.unref();
  });
}

export interface SupervisedGroup {
  /** Resolves once the group is gone and the temp dirs are removed. Idempotent. */
  stop(): Promise<void>;
  /** The node is up: from now on its launcher shuts the server down in order on SIGTERM. */
  markReady(): void;
}

/**
 * Takes charge of the process group led by `pid` (the launcher, spawned detached): a watchdog, the exit and
 * signal handlers, and `stop`, which removes `tempDirs` once the group is gone and then calls `onStopped`.
 */
export function superviseGroup(options: {
  pid: number;
  tempDirs: string[];
  /** a node with a persistent data dir gets a graceful SIGTERM on our exit, a temp node a SIGKILL */
  persistent: boolean;
  exited: Promise<unknown>;
  onStopped: () => void;
}): SupervisedGroup {
  const { pid, tempDirs, exited } = options;
  let exitedYet = false;
  void exited.then(() => (exitedYet = true));
  const watchdog = spawnWatchdog(pid, tempDirs);
  let stopping: Promise<void> | undefined;
  let ready = false;
  const entry: Live = { pgid: pid, tempDirs, persistent: options.persistent, stop: () => stop() };
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // Once running, SIGTERM to the launcher makes it shut the server JVM down in an orderly way.
      // During start-up the launcher ignores it until the server is up, so signal the whole group.
      if (ready) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* gone */
        }
      } else {
        killGroup(pid, 'SIGTERM');
      }
      const deadline = Date.now() + 30_000;
      while ((groupAlive(pid) || !exitedYet) && Date.now() < deadline) await sleep(100);
      if (groupAlive(pid)) {
        killGroup(pid, 'SIGKILL');
        const hardDeadline = Date.now() + 10_000;
        while (groupAlive(pid) && Date.now() < hardDeadline) await sleep(50);
      }
      await Promise.race([exited, sleep(5_000, true)]);
      options.onStopped();
      if (watchdog.pid) killGroup(watchdog.pid, 'SIGKILL');
      live.delete(entry);
      for (const d of tempDirs) await rm(d, { recursive: true, force: true });
    })());
  installHandlers();
  live.add(entry);
  return { stop, markReady: () => (ready = true) };
}

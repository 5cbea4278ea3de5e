/** Running as root: Elasticsearch refuses root, so the node runs as `nobody` via `setpriv`, and everything it touches must be usable by `nobody`. */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ES_VERSION } from './distribution.js';

const ROOT_CACHE_DIR = '/var/cache/aisec-elasticsearch';

export interface RunAs {
  uid: number;
  gid: number;
}

export function nobody(): RunAs {
  const uid = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) throw new Error('embedded Elasticsearch: running as root but there is no `nobody` user to run ES as');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export function asUser(user: RunAs, cmd: string[]): string[] {
  return ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', ...cmd];
}

export function canAccess(user: RunAs, testArgs: string[]): boolean {
  const [cmd, ...args] = asUser(user, ['test', ...testArgs]);
  const r = spawnSync(cmd!, args, { stdio: 'ignore' });
  if (r.error) throw new Error(`embedded Elasticsearch: running as root needs \`setpriv\` (util-linux): ${r.error.message}`);
  return r.status === 0;
}

export async function chownRecursive(path: string, user: RunAs): Promise<void> {
  await chown(path, user.uid, user.gid);
  const st = statSync(path);
  if (!st.isDirectory()) return;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    if (entry.isDirectory()) await chownRecursive(p, user);
    else await chown(p, user.uid, user.gid);
  }
}

/** Returns a distribution home readable by `user`, copying it to a world-readable cache if needed. */
export async function readableDistribution(home: string, user: RunAs): Promise<string> {
  const check = (h: string) => canAccess(user, ['-r', join(h, 'lib', `elasticsearch-${ES_VERSION}.jar`), '-a', '-x', join(h, 'bin', 'elasticsearch')]);
  if (check(home)) return home;
  const cached = join(ROOT_CACHE_DIR, ES_VERSION);
  if (existsSync(join(cached, 'bin', 'elasticsearch')) && check(cached)) return cached;
  await mkdir(ROOT_CACHE_DIR, { recursive: true, mode: 0o755 });
  await chmod(ROOT_CACHE_DIR, 0o755);
  const staging = await mkdtemp(join(ROOT_CACHE_DIR, '.copy-'));
  try {
    await cp(home, join(staging, 'es'), { recursive: true, preserveTimestamps: true });
    const r = spawnSync('chmod', ['-R', 'a+rX', join(staging, 'es')]);
    if (r.status !== 0) throw new Error(`chmod -R a+rX ${staging} failed`);
    await rm(cached, { recursive: true, force: true });
    await rename(join(staging, 'es'), cached);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  if (!check(cached)) throw new Error(`embedded Elasticsearch: ${cached} is still not readable by uid ${user.uid}`);
  return cached;
}

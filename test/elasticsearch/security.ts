/**
 * Security for the embedded node: HTTP TLS from a CA and node certificate generated with `openssl`, users of the
 * file realm created with `bin/elasticsearch-users`, and an HTTPS GET that trusts that CA.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { chown, readFile, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { run } from './command.js';
import { tail } from './logs.js';
import { asUser, type RunAs } from './run-as.js';

/**
 * `xpack.security.enabled=true` with HTTP TLS from PEM files (a CA and a node certificate for localhost/127.0.0.1,
 * generated at start with `openssl` into the node's config dir) and users of the file realm, created with
 * `bin/elasticsearch-users useradd` as the user the node runs as. The first user waits for cluster health, so it
 * needs the `monitor` cluster privilege (e.g. role `superuser`).
 */
export interface SecurityOptions {
  users: Array<{ username: string; password: string; roles: string[] }>;
  /** appended to the file realm's `roles.yml` (role name: descriptor, in YAML) */
  rolesYml?: string;
}

/** A CA and a node certificate (EC P-256, SAN localhost/127.0.0.1/::1, 2 days) in `<configDir>/certs`. */
export function generateCertificates(configDir: string): { caFile: string } {
  const certs = join(configDir, 'certs');
  const openssl = (args: string[]) => {
    try {
      execFileSync('openssl', args, { cwd: certs, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
      throw new Error(`embedded Elasticsearch: \`openssl ${args[0]}\` failed (${err.code === 'ENOENT' ? 'openssl is not installed' : String(err.stderr ?? err.message).trim()})`);
    }
  };
  mkdirSync(certs, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=aisec embedded test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(['req', ...ec, '-keyout', 'node.key', '-out', 'node.csr', '-subj', '/CN=localhost']);
  writeFileSync(
    join(certs, 'node.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
  );
  openssl(['x509', '-req', '-in', 'node.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'node.crt', '-days', '2', '-extfile', 'node.ext']);
  return { caFile: join(certs, 'ca.crt') };
}

/** `bin/elasticsearch-users useradd` for each user, run as the user the node runs as (its files must stay readable to it). */
export async function addFileRealmUsers(distHome: string, configDir: string, javaHome: string, security: SecurityOptions, user: RunAs | undefined): Promise<void> {
  if (security.rolesYml) {
    const file = join(configDir, 'roles.yml');
    await writeFile(file, `${await readFile(file, 'utf8').catch(() => '')}\n${security.rolesYml}\n`);
    if (user) await chown(file, user.uid, user.gid);
  }
  const env = { ES_JAVA_HOME: javaHome, ES_PATH_CONF: configDir, PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' };
  for (const u of security.users) {
    const tool = [join(distHome, 'bin', 'elasticsearch-users'), 'useradd', u.username, '-p', u.password, '-r', u.roles.join(',')];
    const [cmd, ...args] = user ? asUser(user, ['--reset-env', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...tool]) : tool;
    const { code, output } = await run(cmd!, args, user ? {} : { env: { ...process.env, ...env } });
    if (code !== 0) throw new Error(`embedded Elasticsearch: elasticsearch-users useradd ${u.username} failed (exit ${code}):\n${tail(output, 20)}`);
  }
}

/** GET over HTTPS with the node's CA and basic auth (fetch cannot take a CA); resolves with status and parsed body. */
export function getSecure(url: string, caFile: string, auth: { username: string; password: string }, timeoutMs: number): Promise<{ ok: boolean; body: unknown }> {
  return new Promise((resolvePromise, reject) => {
    const req = httpsRequest(url, { ca: readFileSync(caFile), auth: `${auth.username}:${auth.password}`, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolvePromise({ ok: (res.statusCode ?? 0) < 300, body: JSON.parse(text) });
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

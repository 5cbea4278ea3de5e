/**
 * The Elasticsearch distribution: Elastic's official `integ-test-zip` (no bundled JDK, minimal module set),
 * unpacked by Maven from `pom.xml` next to this file, and the Java it runs on.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOnPath, run } from './command.js';
import { tail } from './logs.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const POM = join(HERE, 'pom.xml');
const DEFAULT_OUTPUT_DIR = join(HERE, 'target', 'dist');
const INSTALL_HINT = 'install JDK 17+ and Maven, or set ES_URL to an existing cluster';

export const ES_VERSION: string = readEsVersion();

export interface EnsureDistributionOptions {
  /** Directory that will contain `elasticsearch-<version>/`. Default: `test/elasticsearch/target/dist`. */
  outputDir?: string;
  log?: (line: string) => void;
}

function readEsVersion(): string {
  const m = /<es\.version>\s*([^<\s]+)\s*<\/es\.version>/.exec(readFileSync(POM, 'utf8'));
  if (!m?.[1]) throw new Error(`cannot find <es.version> in ${POM}`);
  return m[1];
}

/** ES_JAVA_HOME, else JAVA_HOME, else derived from the `java` on PATH. Throws with a hint when missing or < 17. */
export function resolveJavaHome(): string {
  let home = process.env.ES_JAVA_HOME || process.env.JAVA_HOME;
  if (!home) {
    const java = findOnPath('java');
    if (!java) throw new Error(`embedded Elasticsearch: \`java\` not found on PATH — ${INSTALL_HINT}`);
    home = dirname(dirname(realpathSync(java)));
  }
  if (!existsSync(join(home, 'bin', 'java'))) {
    throw new Error(`embedded Elasticsearch: no bin/java under Java home ${home} — ${INSTALL_HINT}`);
  }
  try {
    const release = readFileSync(join(home, 'release'), 'utf8');
    const v = /^JAVA_VERSION="(\d+)(?:\.|")/m.exec(release);
    const major = v?.[1] === '1' ? 8 : Number(v?.[1]);
    if (major && major < 17) {
      throw new Error(`embedded Elasticsearch: Java ${major} at ${home} is too old (ES ${ES_VERSION} needs 17+) — ${INSTALL_HINT}`);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return home;
}

/**
 * Makes sure the ES distribution is unpacked (running Maven if needed) and returns its home dir.
 * Unpacks into a private staging dir and renames it into place, so concurrent callers are safe.
 */
export async function ensureDistribution(opts: EnsureDistributionOptions = {}): Promise<string> {
  const outputDir = resolve(opts.outputDir ?? process.env.AISEC_ES_DIST_DIR ?? DEFAULT_OUTPUT_DIR);
  const home = join(outputDir, `elasticsearch-${ES_VERSION}`);
  if (existsSync(join(home, 'bin', 'elasticsearch'))) return home;

  const javaHome = resolveJavaHome();
  const mvn = findOnPath('mvn');
  if (!mvn) throw new Error(`embedded Elasticsearch: \`mvn\` not found on PATH (needed once to fetch Elasticsearch ${ES_VERSION}) — ${INSTALL_HINT}`);

  await mkdir(outputDir, { recursive: true });
  const staging = await mkdtemp(join(outputDir, '.unpack-'));
  try {
    opts.log?.(`unpacking Elasticsearch ${ES_VERSION} with Maven into ${outputDir}`);
    const { code, output } = await run(
      mvn,
      ['-q', '-B', '-f', POM, 'generate-resources', `-Des.dist.dir=${staging}`, `-Des.markers.dir=${join(staging, '.markers')}`],
      { env: { ...process.env, JAVA_HOME: javaHome } },
    );
    const unpacked = join(staging, `elasticsearch-${ES_VERSION}`);
    if (code !== 0 || !existsSync(join(unpacked, 'bin', 'elasticsearch'))) {
      throw new Error(
        `embedded Elasticsearch: \`mvn -f ${POM} generate-resources\` failed (exit ${code}); ${INSTALL_HINT}\n${tail(output, 40)}`,
      );
    }
    try {
      await rename(unpacked, home);
    } catch (e) {
      // Someone else won the race: fine as long as their copy is complete.
      if (!existsSync(join(home, 'bin', 'elasticsearch'))) throw e;
    }
    return home;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

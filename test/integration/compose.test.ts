/**
 * docker-compose.yml cannot be run here (no Docker engine), so it is kept correct by validating it with Debian's
 * docker-compose and by checking it against what the rest of the repository says: the Elasticsearch version the
 * tests run, the Grafana version and plugin ids of grafana-plugin/, the container paths and variables the generated
 * Grafana provisioning expects, the service names the provisioned datasources call, Dockerfiles that can run
 * `npm ci` for the workspaces they build, and a plugin built inside the stack before Grafana starts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ES_VERSION } from '../elasticsearch/embedded.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: unknown[];
  volumes?: Array<string | { type: string; source: string; target: string; read_only?: boolean }>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: unknown };
  restart?: string;
}

function compose(envFile: string, ...args: string[]) {
  const result = spawnSync('docker-compose', ['--env-file', envFile, '-f', join(root, 'docker-compose.yml'), 'config', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  if (result.error) throw new Error(`docker-compose is not installed (Debian package docker-compose; .ci/run installs it): ${result.error.message}`);
  return result;
}

function config(): { services: Record<string, Service> } {
  const result = compose(join(root, '.env.example'));
  assert.equal(result.status, 0, result.stderr);
  return parse(result.stdout) as { services: Record<string, Service> };
}

/** Volumes in either syntax (docker-compose v1 prints `source:target:mode`, v2 prints objects). */
function volumesOf(service: Service): Array<{ bind: boolean; source: string; target: string; readOnly: boolean }> {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { bind: v.type === 'bind', source: v.source, target: v.target, readOnly: v.read_only === true };
    const [source, target, mode] = v.split(':') as [string, string, string | undefined];
    return { bind: source.startsWith('/') || source.startsWith('.'), source, target, readOnly: mode === 'ro' };
  });
}

const readJson = <T>(path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as T;

function gitFiles(): Set<string> {
  const result = spawnSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' });
  return new Set(result.status === 0 ? result.stdout.split('\n').filter(Boolean) : []);
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

test('docker-compose.yml is valid with .env.example and matches the tested Elasticsearch', () => {
  const { services } = config();
  const es = services.elasticsearch!;
  assert.equal(es.image, `docker.elastic.co/elasticsearch/elasticsearch:${ES_VERSION}`, 'compose runs the Elasticsearch version the tests run');
  assert.ok(es.healthcheck, 'Elasticsearch has a healthcheck');
  const analytics = services['analytics-service']!;
  assert.equal(analytics.environment?.ES_URL, 'http://elasticsearch:9200');
  for (const service of Object.values(services)) {
    for (const port of service.ports ?? []) {
      const hostIp = typeof port === 'string' ? port.split(':')[0] : (port as { host_ip?: string }).host_ip;
      assert.equal(hostIp, '127.0.0.1', 'published ports bind to localhost only');
    }
  }
});

test('docker-compose refuses to start without API keys and a Grafana password', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aisec-compose-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const empty = join(dir, 'empty.env');
  writeFileSync(empty, '');
  const result = compose(empty, '-q');
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /AISEC_\w+_API_KEY|GRAFANA_ADMIN_PASSWORD/);
});

test('start order follows health: Elasticsearch → analytics service → Grafana and the demo; Grafana waits for the plugin build to complete', () => {
  const { services } = config();
  // pkg/services/provisioning/plugins (validatePluginsConfig): an app named in provisioning/plugins that is not
  // installed fails provisioning ("plugin not installed") and stops Grafana, so the plugin must exist first
  assert.equal(services.grafana!.depends_on?.['grafana-plugin']?.condition, 'service_completed_successfully', 'Grafana starts after the plugin build');
  assert.notEqual(services['grafana-plugin']!.restart, 'always', 'the build runs once');
  const expected: Record<string, string[]> = { 'analytics-service': ['elasticsearch'], grafana: ['elasticsearch', 'analytics-service'], demo: ['analytics-service'] };
  for (const [name, deps] of Object.entries(expected)) {
    for (const dep of deps) {
      assert.equal(services[name]!.depends_on?.[dep]?.condition, 'service_healthy', `${name} waits for ${dep} to be healthy`);
      assert.ok(services[dep]!.healthcheck, `${dep} has a healthcheck`);
    }
  }
  assert.ok(services.grafana!.healthcheck);
});

test('every mounted host path is in the repository (nothing has to be built on the host first)', () => {
  const { services } = config();
  const tracked = gitFiles();
  for (const [name, service] of Object.entries(services)) {
    const volumes = volumesOf(service);
    if (name === 'grafana') assert.equal(volumes.filter((v) => v.bind).length, 2, 'Grafana bind-mounts provisioning and dashboards (the plugin comes from a volume)');
    for (const volume of volumes) {
      if (!volume.bind) continue;
      const path = relative(root, volume.source);
      assert.ok([...tracked].some((f) => f === path || f.startsWith(`${path}/`)), `${name} mounts ${path}, which is not in git`);
      assert.equal(volume.readOnly, true, `${name} mounts ${path} read-only`);
    }
  }
});

test('the plugin is built inside the stack: a pinned Node image builds grafana-plugin/ and fills the volume Grafana mounts', () => {
  const { services } = config();
  const builder = services['grafana-plugin']!;
  assert.equal(builder.build?.dockerfile, 'grafana-plugin/Dockerfile');
  const out = volumesOf(builder).find((v) => !v.bind)!;
  const pluginMount = volumesOf(services.grafana!).find((v) => v.target === '/var/lib/grafana/plugins/aisec-soc-app')!;
  assert.ok(pluginMount && !pluginMount.bind && pluginMount.readOnly, 'Grafana mounts the plugin volume read-only');
  assert.equal(pluginMount.source, out.source, 'Grafana mounts the volume the builder writes');
  const dockerfile = readFileSync(join(root, 'grafana-plugin/Dockerfile'), 'utf8');
  const image = /^ARG NODE_IMAGE=node:(\d+)\.(\d+)\.(\d+)-[a-z-]+$/m.exec(dockerfile);
  assert.ok(image, 'the Node image is pinned to a full version');
  assert.equal(image[1], readFileSync(join(root, 'grafana-plugin/.nvmrc'), 'utf8').trim(), 'the Node major the plugin declares (.nvmrc)');
  assert.match(dockerfile, /^RUN npm ci --workspace grafana-plugin /m);
  assert.match(dockerfile, /npm run build -w grafana-plugin/);
  for (const plugin of ['', 'datasource/', 'panel/']) assert.ok(dockerfile.includes(`test -f grafana-plugin/dist/${plugin}module.js`), `the build proves ${plugin || 'the app '}module.js exists`);
  assert.match(dockerfile, new RegExp(`cp -r /plugin/\\. ${out.target}/`), 'the container copies the build into its volume');
});

test('Grafana: version, plugin ids and mounts agree with grafana-plugin/ and the generated provisioning', () => {
  const { services } = config();
  const grafana = services.grafana!;
  const pkg = readJson<{ dependencies: Record<string, string> }>('grafana-plugin/package.json');
  const tag = grafana.image!.split(':')[1]!;
  assert.equal(tag, pkg.dependencies['@grafana/data'], 'Grafana runs the release the plugin is built against');
  const app = readJson<{ id: string; includes: Array<{ path: string }>; dependencies: { grafanaDependency: string } }>('grafana-plugin/src/plugin.json');
  const minimum = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(app.dependencies.grafanaDependency)!.slice(1).map(Number);
  const version = tag.split('.').map(Number);
  assert.ok(version[0]! > minimum[0]! || (version[0] === minimum[0] && (version[1]! > minimum[1]! || (version[1] === minimum[1] && version[2]! >= minimum[2]!))), `${tag} satisfies ${app.dependencies.grafanaDependency}`);

  const ids = [app.id, ...app.includes.map((i) => readJson<{ id: string }>(join('grafana-plugin/src', i.path)).id)];
  assert.deepEqual(grafana.environment!.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS!.split(',').sort(), ids.sort(), 'unsigned loading is allowed for our plugin ids only');

  const mounts = Object.fromEntries(volumesOf(grafana).filter((v) => v.bind).map((v) => [relative(root, v.source), v.target]));
  assert.ok(volumesOf(grafana).some((v) => v.source === 'grafana-plugin' && v.target === `/var/lib/grafana/plugins/${app.id}`), 'the plugin volume is mounted under the app id');
  assert.equal(mounts['dashboards/provisioning'], '/etc/grafana/provisioning');
  const provider = parse(readFileSync(join(root, 'dashboards/provisioning/dashboards/aisec.yaml'), 'utf8')) as { providers: Array<{ options: { path: string } }> };
  assert.equal(mounts['dashboards/json'], provider.providers[0]!.options.path, 'dashboards are mounted where the provider reads them');
  const home = grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
  assert.ok(existsSync(join(root, 'dashboards/json', home.slice(provider.providers[0]!.options.path.length + 1))), 'the home dashboard exists');
});

test('every variable the Grafana provisioning references is set by compose, and the datasources call compose services', () => {
  const { services } = config();
  const environment = services.grafana!.environment!;
  const files = filesUnder('dashboards/provisioning').filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length >= 4, 'provisioning files are generated');
  const referenced = new Set<string>();
  for (const file of files) for (const match of readFileSync(join(root, file), 'utf8').matchAll(/\$\{?([A-Z][A-Z0-9_]*)\}?/g)) referenced.add(match[1]!);
  assert.ok(referenced.has('AISEC_GRAFANA_API_KEY'));
  for (const variable of referenced) assert.ok(environment[variable], `Grafana's environment sets ${variable}`);

  const analyticsKeys = services['analytics-service']!.environment!.AISEC_API_KEYS!.split(',');
  assert.ok(analyticsKeys.includes(`read:${environment.AISEC_GRAFANA_API_KEY}`), 'Grafana’s key is a read key of the service');

  const datasources = parse(readFileSync(join(root, 'dashboards/provisioning/datasources/aisec.yaml'), 'utf8')) as { datasources: Array<{ url: string; jsonData: { url?: string; index?: string } }> };
  for (const ds of datasources.datasources) {
    const url = new URL(ds.jsonData.url ?? ds.url);
    assert.ok(services[url.hostname], `datasource host ${url.hostname} is a compose service`);
    if (url.hostname === 'analytics-service') assert.equal(url.port, services['analytics-service']!.environment!.PORT);
    if (ds.jsonData.index) assert.ok(ds.jsonData.index.startsWith(`${services['analytics-service']!.environment!.AISEC_INDEX_PREFIX}-`), `${ds.jsonData.index} uses the service's index prefix`);
  }
});

test('the demo service runs `aisec demo` from the service image with an ingest key', () => {
  const { services } = config();
  const demo = services.demo!;
  assert.equal(demo.image, services['analytics-service']!.image);
  assert.deepEqual(demo.command?.slice(0, 2), ['aisec', 'demo']);
  assert.equal(demo.environment?.AISEC_URL, 'http://analytics-service:8080');
  assert.ok(services['analytics-service']!.environment!.AISEC_API_KEYS!.split(',').includes(`ingest:${demo.environment?.AISEC_API_KEY}`));
});

test('the Dockerfiles copy every workspace manifest npm ci needs, build in stages, and the service runs as non-root', () => {
  const workspaces = readJson<{ workspaces: string[] }>('package.json').workspaces;
  for (const path of ['analytics-service/Dockerfile', 'grafana-plugin/Dockerfile']) {
    const stages = readFileSync(join(root, path), 'utf8').split(/^FROM /m).slice(1);
    assert.ok(stages.length >= 2, `${path} is multi-stage`);
    for (const stage of stages.filter((s) => /npm ci/.test(s))) {
      for (const workspace of workspaces) assert.match(stage, new RegExp(`^COPY ${workspace}/package.json ${workspace}/$`, 'm'), `${path}: a stage running npm ci copies ${workspace}/package.json`);
      assert.match(stage, /^COPY package.json package-lock.json/m);
    }
  }
  const dockerfile = readFileSync(join(root, 'analytics-service/Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1)!;
  assert.match(runtime, /^USER node$/m, 'runs as the unprivileged node user');
  assert.match(runtime, /^HEALTHCHECK /m);
  assert.match(runtime, /aisec\.mjs \/usr\/local\/bin\/aisec/, 'the CLI is on the PATH for the demo service');
  for (const path of ['analytics-service/rules', 'analytics-service/config', 'cli/bin']) assert.match(runtime, new RegExp(`^COPY ${path} ${path}$`, 'm'), `${path} is in the image`);
  const ignored = readFileSync(join(root, '.dockerignore'), 'utf8');
  assert.match(ignored, /\*\*\/node_modules/);
  assert.match(ignored, /^\.data$/m, 'local data and keys stay out of the build context');
});

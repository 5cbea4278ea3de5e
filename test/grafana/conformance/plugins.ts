/** Checks on the three plugin.json files and on provisioning/plugins/*.yaml. */
import type { ComposeService } from '../provisioned.js';
import type { Check } from './check.js';

const PLUGIN_TYPES = ['app', 'datasource', 'panel', 'renderer', 'secretsmanager'];
/** the id pattern of Grafana's plugin.json schema (docs/sources/developers/plugins/plugin.schema.json) */
const ID_PATTERN = /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource|secretsmanager)$/;

const dependsOn = (service: ComposeService | undefined): Record<string, { condition?: string }> =>
  Array.isArray(service?.depends_on) ? Object.fromEntries(service.depends_on.map((s) => [s, {}])) : (service?.depends_on ?? {});

export const PLUGIN_CHECKS: Check[] = [
  {
    id: 'plugin-json',
    mirrors: 'pkg/plugins/plugins.go ReadPluginJSON, validatePluginJSON; plugin.json schema (id pattern, type suffix, info.version, grafanaDependency)',
    consequence: 'Grafana refuses to load the plugin (ErrInvalidPluginJSON)',
    run: (p) =>
      Object.entries(p.pluginJsons).flatMap(([path, json]) => {
        const problems: string[] = [];
        if (!json.id || !PLUGIN_TYPES.includes(json.type ?? '')) problems.push(`${path}: invalid plugin.json (id ${json.id}, type ${json.type})`);
        if (json.id && !ID_PATTERN.test(json.id)) problems.push(`${path}: id ${json.id} does not match the plugin id pattern`);
        if (json.id && json.type && !json.id.endsWith(`-${json.type}`)) problems.push(`${path}: id ${json.id} does not end in its type ${json.type}`);
        if (!json.name) problems.push(`${path}: no name`);
        if (!/^>=\d+\.\d+\.\d+/.test(json.dependencies?.grafanaDependency ?? '')) problems.push(`${path}: grafanaDependency ${json.dependencies?.grafanaDependency}`);
        return problems;
      }),
  },
  {
    id: 'plugin-nested-includes',
    mirrors: 'pkg/plugins/manager/sources (nested plugins are found under the app); plugin validator "nested plugin … not declared"',
    consequence: 'the datasource or panel is not registered with the app',
    run: (p) => {
      const app = p.pluginJsons['plugin.json'];
      const problems: string[] = [];
      if (app?.type !== 'app') return ['plugin.json: the package is not an app (only apps may nest plugins)'];
      for (const [path, json] of Object.entries(p.pluginJsons)) {
        if (path === 'plugin.json') continue;
        const include = (app.includes ?? []).find((i) => i.path === path);
        if (!include) problems.push(`${path}: nested plugin not declared in the app's includes`);
        else if (include.type !== json.type) problems.push(`${path}: included as ${include.type}, is ${json.type}`);
      }
      return problems;
    },
  },
  {
    id: 'plugins-provisioning-installed',
    mirrors: 'pkg/services/provisioning/plugins/config_reader.go validatePluginsConfig ("plugin not installed"); pkg/services/provisioning/provisioning.go RunInitProvisioners',
    consequence: 'plugin provisioning fails and Grafana exits: with an unbuilt plugin the stack never starts',
    run: (p) => {
      const problems: string[] = [];
      const apps = Object.values(p.pluginJsons).filter((j) => j.type === 'app').map((j) => j.id);
      const grafana = p.compose.services.grafana;
      for (const app of p.plugins.apps) {
        if (!app.type) problems.push('app item without a type');
        else if (!apps.includes(app.type)) problems.push(`app ${app.type} is not one of our plugins`);
        const mount = (grafana?.volumes ?? []).find((v) => v.split(':')[1] === `/var/lib/grafana/plugins/${app.type}`);
        if (!mount) {
          problems.push(`app ${app.type}: docker-compose.yml mounts nothing at /var/lib/grafana/plugins/${app.type}`);
          continue;
        }
        const source = mount.split(':')[0]!;
        // a host path is whatever the host happens to have built; a volume is filled by the service that builds it
        const builder = Object.entries(p.compose.services).find(([, s]) => (s.volumes ?? []).some((v) => v.split(':')[0] === source) && s.build);
        if (source.startsWith('.') || source.startsWith('/') || !builder) problems.push(`app ${app.type}: ${source} is not built inside the stack; an unbuilt plugin stops Grafana`);
        else if (dependsOn(grafana)[builder[0]]?.condition !== 'service_completed_successfully') problems.push(`app ${app.type}: Grafana does not wait for ${builder[0]} to complete successfully`);
      }
      return problems;
    },
  },
];

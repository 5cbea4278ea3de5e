/** Checks on provisioning/datasources/*.yaml. */
import { validUid, type Check } from './check.js';

export const DATASOURCE_CHECKS: Check[] = [
  {
    id: 'datasources-file',
    mirrors: 'pkg/services/provisioning/datasources/config_reader.go validateDefaultUniqueness, validateAccessAndOrgID; pkg/services/datasources (uid: pkg/util ValidateUID)',
    consequence: 'datasource provisioning fails and Grafana exits ("Only one datasource per organization can be marked as default")',
    run: (p) => {
      const problems: string[] = [];
      const names = new Set<string>();
      const defaults = new Map<number, number>();
      for (const ds of p.datasources.datasources) {
        const org = ds.orgId ?? 1;
        if (!ds.name) problems.push('datasource without a name');
        if (names.has(`${org}/${ds.name}`)) problems.push(`datasource name ${ds.name} used twice`);
        names.add(`${org}/${ds.name}`);
        if (!ds.type) problems.push(`${ds.name}: no type`);
        if (ds.uid !== undefined && !validUid(ds.uid)) problems.push(`${ds.name}: uid ${ds.uid} is not a valid short uid`);
        if (ds.isDefault) defaults.set(org, (defaults.get(org) ?? 0) + 1);
      }
      for (const [org, count] of defaults) if (count > 1) problems.push(`org ${org}: ${count} datasources marked isDefault`);
      return problems;
    },
  },
  {
    id: 'datasources-elasticsearch',
    mirrors: 'pkg/tsdb/elasticsearch/elasticsearch.go newInstanceSettings (timeField string and non-empty; index from jsonData.index)',
    consequence: '"elasticsearch time field name is required": every query and alert on the datasource fails',
    run: (p) =>
      p.datasources.datasources
        .filter((ds) => ds.type === 'elasticsearch')
        .flatMap((ds) => [
          ...(typeof ds.jsonData?.timeField === 'string' && ds.jsonData.timeField !== '' ? [] : [`${ds.name}: elasticsearch time field name is required`]),
          ...(typeof ds.jsonData?.index === 'string' && ds.jsonData.index !== '' ? [] : [`${ds.name}: no index`]),
          ...(ds.url ? [] : [`${ds.name}: no url`]),
        ]),
  },
  {
    id: 'datasources-plugin-types',
    mirrors: 'pkg/services/datasources/service (a datasource of a type no installed plugin provides is stored but cannot query)',
    consequence: 'the dashboards show "Datasource plugin not found"',
    run: (p) => {
      const ours = Object.values(p.pluginJsons).filter((j) => j.type === 'datasource').map((j) => j.id);
      return p.datasources.datasources.filter((ds) => ds.type !== 'elasticsearch' && !ours.includes(ds.type)).map((ds) => `${ds.name}: type ${ds.type} is neither Grafana's elasticsearch nor our datasource plugin`);
    },
  },
];

/**
 * Idempotent, versioned index bootstrap, run at service start.
 *
 * Templates carry `_meta.version`; a template is (re)written when it is missing or older than this
 * service's SCHEMA_VERSION, and never downgraded. New mapping fields are also added to indices that
 * already exist, so an upgrade needs no reindex for additive changes.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { eventMappingProperties } from '../contract/es-mapping.js';
import type { IndexNames } from './index-names.js';
import { SCHEMA_VERSION, alertMapping, baselineMapping, exportMapping, metricMapping, rollupMapping, stateMapping, userRollupMapping } from './mappings.js';

export interface BootstrapOptions {
  eventsShards: number;
  eventsRetention?: string;
}

export interface BootstrapReport {
  schemaVersion: number;
  /** whether Elasticsearch stamps event.ingested through an ingest pipeline (needs the ingest-common module) */
  ingestPipeline: boolean;
  templatesWritten: string[];
  indicesCreated: string[];
}

interface TemplateSpec {
  name: string;
  index: string;
  dataStream: boolean;
  body: estypes.IndicesPutIndexTemplateRequest;
}

const COMMON_SETTINGS = { 'index.auto_expand_replicas': '0-1' };

/** Nodes without the ingest-common module (e.g. Elastic's minimal integ-test distribution) have no `set` processor. */
async function supportsSetProcessor(es: Client): Promise<boolean> {
  const info = await es.nodes.info({ metric: 'ingest', filter_path: 'nodes.*.ingest.processors.type' });
  const nodes = Object.values(info.nodes ?? {});
  return nodes.length > 0 && nodes.every((n) => n.ingest?.processors?.some((p) => p.type === 'set'));
}

function templateSpecs(names: IndexNames, options: BootstrapOptions, pipeline: boolean): TemplateSpec[] {
  const meta = { version: SCHEMA_VERSION, managed_by: 'aisec-analytics-service', ingest_pipeline: pipeline };
  const plain = (index: string, mappings: estypes.MappingTypeMapping): TemplateSpec => ({
    name: index,
    index,
    dataStream: false,
    body: {
      name: index,
      index_patterns: [index],
      priority: 500,
      _meta: meta,
      template: { settings: { ...COMMON_SETTINGS, 'index.number_of_shards': 1 }, mappings },
    },
  });
  const eventsSettings: Record<string, unknown> = {
    ...COMMON_SETTINGS,
    'index.number_of_shards': options.eventsShards,
    'index.mapping.total_fields.limit': 2000,
  };
  if (pipeline) eventsSettings['index.final_pipeline'] = names.eventsPipeline;
  const eventsTemplate: estypes.IndicesIndexTemplateSummary = {
    settings: eventsSettings,
    mappings: { dynamic: false, properties: eventMappingProperties() },
  };
  if (options.eventsRetention) {
    (eventsTemplate as Record<string, unknown>).lifecycle = { data_retention: options.eventsRetention };
  }
  return [
    {
      name: names.events,
      index: names.events,
      dataStream: true,
      body: {
        name: names.events,
        index_patterns: [names.events],
        data_stream: {},
        priority: 500,
        _meta: { ...meta, retention: options.eventsRetention ?? 'forever' },
        template: eventsTemplate,
      },
    },
    plain(names.alerts, alertMapping),
    plain(names.baselines, baselineMapping),
    plain(names.metrics, metricMapping),
    plain(names.state, stateMapping),
    plain(names.exports, exportMapping),
    plain(names.eventsHourly, rollupMapping),
    plain(names.eventsDailyUsers, userRollupMapping),
    plain(names.eventsHourlyUsers, userRollupMapping),
  ];
}

async function installedVersion(es: Client, name: string): Promise<{ version: number; pipeline: boolean } | undefined> {
  const found = await es.indices.getIndexTemplate({ name }, { ignore: [404] });
  const template = found.index_templates?.[0]?.index_template;
  if (!template) return undefined;
  const meta = (template._meta ?? {}) as { version?: number; ingest_pipeline?: boolean };
  return { version: Number(meta.version ?? 0), pipeline: meta.ingest_pipeline === true };
}

export async function bootstrapIndices(es: Client, names: IndexNames, options: BootstrapOptions): Promise<BootstrapReport> {
  const pipeline = await supportsSetProcessor(es);
  if (pipeline) {
    await es.ingest.putPipeline({
      id: names.eventsPipeline,
      description: 'Stamps event.ingested with the time Elasticsearch received the event (any shipper).',
      _meta: { version: SCHEMA_VERSION },
      processors: [{ set: { field: 'event.ingested', copy_from: '_ingest.timestamp', override: true } }],
    });
  }
  const report: BootstrapReport = { schemaVersion: SCHEMA_VERSION, ingestPipeline: pipeline, templatesWritten: [], indicesCreated: [] };

  // the templates are independent: install them side by side (bootstrap time is start-up time)
  await Promise.all(templateSpecs(names, options, pipeline).map((spec) => installTemplate(es, spec, report)));
  return report;
}

async function installTemplate(es: Client, spec: TemplateSpec, report: BootstrapReport): Promise<void> {
  const installed = await installedVersion(es, spec.name);
  if (installed && installed.version > SCHEMA_VERSION) {
    throw new Error(
      `index template ${spec.name} has schema version ${installed.version}, newer than this service's ${SCHEMA_VERSION}: upgrade the service`,
    );
  }
  if (!installed || installed.version < SCHEMA_VERSION || installed.pipeline !== report.ingestPipeline) {
    await es.indices.putIndexTemplate(spec.body);
    report.templatesWritten.push(spec.name);
  }
  const exists = await es.indices.exists({ index: spec.index });
  const mappings = spec.body.template?.mappings;
  if (!exists) {
    if (spec.dataStream) {
      // Elastic's minimal distribution lacks the data stream REST API (405); there the first write creates it
      const created = await es.indices.createDataStream({ name: spec.index }, { ignore: [400, 405], meta: true });
      if (created.statusCode === 200) report.indicesCreated.push(spec.index);
    } else {
      await es.indices.create({ index: spec.index }, { ignore: [400] });
      report.indicesCreated.push(spec.index);
    }
  } else if (mappings?.properties && report.templatesWritten.includes(spec.name)) {
    // additive upgrade of an existing index or data stream
    await es.indices.putMapping({ index: spec.index, properties: mappings.properties });
  }
}

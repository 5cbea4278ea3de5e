/**
 * Differential contract test: the validator against Elasticsearch itself (issue 12). Events are generated from the
 * TypeBox contract schema (test/support/contract-arbitraries.ts), weighted toward the edges, and each is judged twice:
 *
 * - by the validator (`validateEvent`, what POST /v1/events runs), and
 * - by Elasticsearch, the oracle: the same document written to an index created with the events template's own
 *   settings and mapping (a refused bulk request is split until each event has Elasticsearch's own verdict).
 *
 * Then: every event the validator accepts is stored by Elasticsearch and, sent through the real service, reads back
 * equal; every event Elasticsearch refuses is refused by the validator, with the field Elasticsearch named among the
 * fields the validator names; every refusal names a field; and the service's counts agree with Elasticsearch's.
 * Where the validator is stricter than the mapping (contract rules such as enums, ranges and the 24 h clock-skew
 * limit, or forms it chooses not to take), the test counts by field and prints it as a `#` line.
 *
 *   AISEC_CONTRACT_CASES=100000 ES_URL=… node --import tsx test/run-tests.ts test/integration/ingest-contract-differential.test.ts
 *
 * runs it by hand at any size (default 2 000 cases, sized for CI); AISEC_CONTRACT_SEED replays a run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { estypes } from '@elastic/elasticsearch';
import { normalizeAliases, isPlainObject } from '../../analytics-service/src/contract/aliases.js';
import { validateEvent, type ValidationResult } from '../../analytics-service/src/contract/validate.js';
import { fromDocument, toDocument, type StoredEventDocument } from '../../analytics-service/src/elasticsearch/event-store.js';
import type { AiSecurityEvent } from '../../analytics-service/src/contract/event-schema.js';
import { eventArbitrary, toJsonText } from '../support/contract-arbitraries.js';
import { ELASTICSEARCH_TEXT } from '../support/leaks.js';
import { countStored, startTestService, type TestService } from '../support/service.js';

const CASES = Number(process.env.AISEC_CONTRACT_CASES ?? 2000);
const BATCH = 250;
const SEED = process.env.AISEC_CONTRACT_SEED ? Number(process.env.AISEC_CONTRACT_SEED) : Date.now() % 2 ** 31;

let service: TestService;
let oracleIndex: string;

before(async () => {
  service = await startTestService('differential', { AISEC_BODY_LIMIT_BYTES: String(200 * 1024 * 1024), AISEC_BULK_CHUNK: '500', AISEC_DETECTION_STREAMING: 'false' });
  // the oracle: a plain index with exactly the settings and mapping the events template gives the data stream
  const template = (await service.es.indices.getIndexTemplate({ name: `${service.prefix}-events` })).index_templates[0]!.index_template.template!;
  const settings = { ...(template.settings as Record<string, unknown>) };
  delete (settings as { index?: { final_pipeline?: unknown } }).index?.final_pipeline;
  oracleIndex = `${service.prefix}-oracle`;
  await service.es.indices.create({ index: oracleIndex, settings: settings as estypes.IndicesIndexSettings, mappings: template.mappings! });
});
after(async () => {
  await service.es.indices.delete({ index: oracleIndex }, { ignore: [404] });
  await service.close();
});

type OracleVerdict = { stored: true } | { stored: false; reason: string; field?: string };

/** The field Elasticsearch names in a refusal ("failed to parse field [x] …"), in contract terms. */
function refusedField(reason: string): string | undefined {
  if (/action_request_validation_exception/.test(reason) && /\bid\b/.test(reason)) return 'event_id';
  const field = /field \[([^\]]{1,300})\]/.exec(reason)?.[1];
  return field === '@timestamp' ? 'timestamp' : field;
}

interface OracleDoc {
  id?: string;
  text: string;
}

/** Elasticsearch's verdict on each document; a request refused as a whole is split down to single documents. */
async function oracle(docs: OracleDoc[]): Promise<OracleVerdict[]> {
  if (docs.length === 0) return [];
  const body = docs.map((d) => `${JSON.stringify({ create: { _index: oracleIndex, ...(d.id !== undefined ? { _id: d.id } : {}) } })}\n${d.text}\n`).join('');
  try {
    const response = (await service.es.transport.request({
      method: 'POST',
      path: '/_bulk',
      bulkBody: body,
      querystring: { filter_path: 'items.*.status,items.*.error.type,items.*.error.reason' },
    })) as { items: Array<Record<string, { status: number; error?: { type: string; reason: string } }>> };
    return response.items.map((item) => {
      const result = Object.values(item)[0]!;
      // 409: a document with this id is there already (same content hash): the mapping took it before
      if (result.status < 300 || result.status === 409) return { stored: true };
      const reason = `${result.error?.type}: ${result.error?.reason}`;
      const field = refusedField(reason);
      return { stored: false, reason, ...(field ? { field } : {}) };
    });
  } catch (error) {
    const status = (error as { meta?: { statusCode?: number } }).meta?.statusCode;
    if (status !== 400 && status !== 413) throw error;
    if (docs.length === 1) {
      const meta = (error as { meta?: { body?: { error?: { type?: string; reason?: string } } } }).meta?.body?.error;
      const reason = `${meta?.type}: ${meta?.reason}`;
      const field = refusedField(reason);
      return [{ stored: false, reason, ...(field ? { field } : {}) }];
    }
    const half = Math.ceil(docs.length / 2);
    return [...(await oracle(docs.slice(0, half))), ...(await oracle(docs.slice(half)))];
  }
}

/** JSON with object keys sorted (and -0 as 0, as JSON writes it): equal events give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const summary = { cases: 0, accepted: 0, refusedByBoth: 0, stricterByField: new Map<string, number>(), esRefusalsByField: new Map<string, number>() };
const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
/** `tool_params.a.b[2]` → `tool_params`, for the summary. */
const topField = (field: string | undefined) => (field ?? '(none)').split(/[.[]/)[0]!;

async function checkBatch(events: Array<Record<string, unknown>>): Promise<void> {
  const texts = events.map(toJsonText);
  const parsed = texts.map((t) => JSON.parse(t) as unknown);
  const verdicts: ValidationResult[] = parsed.map((p) => validateEvent(p));
  const ingestedAt = new Date().toISOString();
  const docs = parsed.map((p, i): OracleDoc => {
    const verdict = verdicts[i]!;
    const event = verdict.ok ? verdict.event : normalizeAliases(p as Record<string, unknown>);
    const id = typeof event.event_id === 'string' ? event.event_id : undefined;
    return { ...(id !== undefined ? { id } : {}), text: toJsonText(toDocument(event as AiSecurityEvent, ingestedAt)) };
  });
  const judged = await oracle(docs);

  const failures: string[] = [];
  verdicts.forEach((verdict, i) => {
    const es = judged[i]!;
    summary.cases++;
    if (verdict.ok) {
      summary.accepted++;
      if (!es.stored) failures.push(`validator accepted, Elasticsearch refused (${es.reason.slice(0, 300)}): ${texts[i]!.slice(0, 400)}`);
      return;
    }
    const unnamed = verdict.errors.filter((e) => !e.field);
    if (unnamed.length > 0) failures.push(`refused without a field (${unnamed[0]!.message}): ${texts[i]!.slice(0, 300)}`);
    for (const e of verdict.errors) if (ELASTICSEARCH_TEXT.test(e.message)) failures.push(`message in Elasticsearch's words: ${e.message}`);
    if (es.stored) {
      bump(summary.stricterByField, topField(verdict.errors[0]?.field));
      return;
    }
    summary.refusedByBoth++;
    bump(summary.esRefusalsByField, topField(es.field));
    if (es.field !== undefined) {
      const named = verdict.errors.some((e) => e.field === es.field || e.field?.startsWith(`${es.field}.`) || e.field?.startsWith(`${es.field}[`));
      if (!named) {
        failures.push(`Elasticsearch refused ${es.field} (${es.reason.slice(0, 200)}), the validator named ${verdict.errors.map((e) => e.field).join(', ')}: ${texts[i]!.slice(0, 300)}`);
      }
    }
  });
  if (failures.length > 0 && process.env.AISEC_CONTRACT_FAILURES) {
    const { appendFileSync } = await import('node:fs');
    appendFileSync(process.env.AISEC_CONTRACT_FAILURES, failures.map((f) => `${f}\n`).join('') + texts.map((t) => `${t}\n`).join(''));
  }
  assert.deepEqual(failures, [], `${failures.length} disagreements; first: ${failures[0]}`);

  // the whole batch through the real service: its counts agree with the validator and with Elasticsearch
  const before = await countStored(service);
  const response = await service.request('ingest', {
    method: 'POST',
    url: '/v1/events?refresh=true',
    headers: { 'content-type': 'application/x-ndjson' },
    payload: texts.join('\n'),
  });
  assert.ok(response.statusCode === 200 || response.statusCode === 400, `POST answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
  assert.doesNotMatch(response.body, ELASTICSEARCH_TEXT);
  const result = response.json();
  const acceptedIds = [...new Set(verdicts.flatMap((v) => (v.ok ? [v.event.event_id!] : [])))];
  assert.equal(result.rejected, verdicts.filter((v) => !v.ok).length, 'the service rejects exactly what the validator refuses');
  assert.equal(result.accepted + result.duplicates, verdicts.length - result.rejected);
  assert.equal((await countStored(service)) - before, result.accepted, 'Elasticsearch holds exactly what the service reported accepted');

  // and reads back equal
  if (acceptedIds.length === 0) return;
  const stored = await service.es.search<StoredEventDocument>({ index: `${service.prefix}-events`, size: acceptedIds.length, query: { ids: { values: acceptedIds } } });
  const byId = new Map(stored.hits.hits.map((h) => [h._id!, fromDocument(h._source!)]));
  for (const verdict of verdicts) {
    if (!verdict.ok) continue;
    const back = byId.get(verdict.event.event_id!);
    assert.ok(back, `event ${verdict.event.event_id} is stored`);
    assert.equal(canonical(back), canonical(verdict.event), `event ${verdict.event.event_id!.slice(0, 40)} reads back equal`);
  }
}

test(`the validator and Elasticsearch agree on ${CASES} generated events (seed ${SEED})`, { timeout: 24 * 3_600_000 }, async () => {
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(fc.array(eventArbitrary(), { minLength: BATCH, maxLength: BATCH }), checkBatch),
    { numRuns: Math.ceil(CASES / BATCH), seed: SEED, endOnFailure: true, includeErrorInReport: true },
  );
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(
    `# differential: ${summary.cases} cases in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${SEED}): ${summary.accepted} accepted by both and read back equal; ` +
      `${summary.refusedByBoth} refused by both (Elasticsearch's field named by the validator every time); 0 accepted by the validator and refused by Elasticsearch`,
  );
  console.log(`# refused by Elasticsearch, by field: ${sorted(summary.esRefusalsByField)}`);
  console.log(`# refused by the validator only (contract rules stricter than the mapping), by first field: ${sorted(summary.stricterByField)}`);
  assert.ok(summary.refusedByBoth > 0 && summary.accepted > 0, 'the generator reaches both sides of the mapping');
});

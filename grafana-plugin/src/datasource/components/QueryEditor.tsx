import React from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { InlineField, InlineFieldRow, MultiSelect, Select, TagsInput } from '@grafana/ui';
import type { DataSource } from '../datasource';
import { CATEGORY_VALUES, KIND_ORDER, KINDS, type FilterKey } from '../query/kinds';
import type { AisecDataSourceOptions, AisecQuery, QueryKind } from '../types';
import { LABEL_WIDTH, options, SEVERITY_OPTIONS } from './editorOptions';
import { KindOptions } from './KindOptions';

type Props = QueryEditorProps<DataSource, AisecQuery, AisecDataSourceOptions>;

const KIND_OPTIONS = KIND_ORDER.map((kind) => ({ value: kind, label: KINDS[kind].label, description: KINDS[kind].description }));
const CATEGORY_OPTIONS = options(CATEGORY_VALUES);
const FILTER_LABELS: Record<FilterKey, string> = { user_id: 'User', endpoint: 'Endpoint', model: 'Model', category: 'Category', severity: 'Severity' };

/** Edits one query: its kind, the kind's options, and the filters that apply to it. Only edits; never fetches. */
export function QueryEditor({ query, onChange, onRunQuery }: Props) {
  const kind: QueryKind = query.kind ?? 'event_volume';
  const info = KINDS[kind];
  const update = (patch: Partial<AisecQuery>, run = true) => {
    onChange({ ...query, ...patch } as AisecQuery);
    if (run) onRunQuery();
  };
  const onKindChange = (next: QueryKind) => {
    // keep the filters that still apply; take the new kind's defaults for everything else
    const kept = Object.fromEntries(KINDS[next].filters.filter((f) => query[f as keyof AisecQuery] !== undefined).map((f) => [f, query[f as keyof AisecQuery]]));
    onChange({ refId: query.refId, datasource: query.datasource, hide: query.hide, ...kept, ...KINDS[next].defaults } as AisecQuery);
    onRunQuery();
  };

  return (
    <div data-testid="aisec-query-editor">
      <InlineFieldRow>
        <InlineField label="Query" labelWidth={LABEL_WIDTH} tooltip={info.description}>
          <Select aria-label="Query kind" options={KIND_OPTIONS} value={kind} width={32} onChange={(v) => v.value && onKindChange(v.value)} />
        </InlineField>
      </InlineFieldRow>
      <KindOptions query={query} update={update} />
      <InlineFieldRow>
        {info.filters.map((filter) => (
          <InlineField key={filter} label={FILTER_LABELS[filter]} labelWidth={LABEL_WIDTH} tooltip="Exact values or template variables ($user); several values are OR-ed">
            {filter === 'category' || filter === 'severity' ? (
              <MultiSelect
                aria-label={`${FILTER_LABELS[filter]} filter`}
                options={filter === 'category' ? CATEGORY_OPTIONS : SEVERITY_OPTIONS}
                value={(query[filter] as string[] | undefined) ?? []}
                allowCustomValue
                width={40}
                placeholder="any"
                onChange={(values) => update({ [filter]: values.map((v) => v.value!).filter(Boolean) } as Partial<AisecQuery>)}
              />
            ) : (
              <TagsInput
                aria-label={`${FILTER_LABELS[filter]} filter`}
                tags={(query[filter] as string[] | undefined) ?? []}
                placeholder="any (Enter to add)"
                width={40}
                onChange={(tags) => update({ [filter]: tags } as Partial<AisecQuery>)}
              />
            )}
          </InlineField>
        ))}
      </InlineFieldRow>
    </div>
  );
}

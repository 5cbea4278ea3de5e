/** The per-kind part of the query editor: one row of options for each query kind. Only edits; never fetches. */
import React from 'react';
import { InlineField, InlineFieldRow, InlineSwitch, Input, RadioButtonGroup, Select, TagsInput } from '@grafana/ui';
import type { AisecQuery, AisecQueryOf, EntityKind, EventGroupField, ValueField } from '../types';
import { LABEL_WIDTH, options, SEVERITY_OPTIONS } from './editorOptions';

const GROUP_OPTIONS = options<EventGroupField>(['category', 'severity', 'decision', 'model', 'endpoint', 'user_id', 'risk_tier']);
const FIELD_OPTIONS = options<ValueField>(['user_id', 'model', 'endpoint', 'category', 'judge_model', 'policy_violated', 'rule_id']);
const ENTITY_OPTIONS = options<EntityKind>(['user', 'model', 'endpoint', 'agent']);
const STATUS_OPTIONS = [
  { value: 'open' as const, label: 'Open' },
  { value: 'all' as const, label: 'All' },
];

interface KindOptionsProps {
  query: AisecQuery;
  update: (patch: Partial<AisecQuery>, run?: boolean) => void;
}

function NumberInput({
  label,
  value,
  min,
  max,
  step,
  placeholder,
  onCommit,
}: {
  label: string;
  value: number | undefined;
  min: number;
  max: number;
  step?: number;
  placeholder?: string;
  onCommit: (v: number | undefined) => void;
}) {
  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH}>
      <Input
        aria-label={label}
        type="number"
        width={12}
        min={min}
        max={max}
        step={step ?? 1}
        placeholder={placeholder}
        defaultValue={value ?? ''}
        onBlur={(e) => {
          const raw = e.currentTarget.value.trim();
          const n = Number(raw);
          onCommit(raw === '' || !Number.isFinite(n) ? undefined : Math.min(max, Math.max(min, n)));
        }}
      />
    </InlineField>
  );
}

/** The options of the query's kind (group by, limits, thresholds, …), below the kind picker. */
export function KindOptions({ query, update }: KindOptionsProps) {
  switch (query.kind) {
    case 'event_volume': {
      const q = query as AisecQueryOf<'event_volume'>;
      return (
        <InlineFieldRow>
          <InlineField label="Group by" labelWidth={LABEL_WIDTH}>
            <Select aria-label="Group by" options={GROUP_OPTIONS} value={q.groupBy ?? 'category'} width={20} onChange={(v) => update({ groupBy: v.value })} />
          </InlineField>
          <NumberInput label="Series limit" value={q.limit} min={1} max={100} onCommit={(limit) => update({ limit })} />
        </InlineFieldRow>
      );
    }
    case 'top_users': {
      const q = query as AisecQueryOf<'top_users'>;
      return (
        <InlineFieldRow>
          <InlineField label="Count" labelWidth={LABEL_WIDTH} tooltip="alerts: the detection engine's alerts; events: high/critical events (seed 001 panel 2)">
            <RadioButtonGroup
              options={[
                { value: 'alerts' as const, label: 'Alerts' },
                { value: 'events' as const, label: 'High/critical events' },
              ]}
              value={q.source ?? 'alerts'}
              onChange={(source) => update({ source })}
            />
          </InlineField>
          <NumberInput label="Users" value={q.limit} min={1} max={500} onCommit={(limit) => update({ limit })} />
        </InlineFieldRow>
      );
    }
    case 'risk_matrix': {
      const q = query as AisecQueryOf<'risk_matrix'>;
      return (
        <InlineFieldRow>
          <InlineField label="Include requests" labelWidth={LABEL_WIDTH + 4} tooltip="Count ordinary `request` traffic too">
            <InlineSwitch aria-label="Include requests" value={q.includeRequests ?? false} onChange={(e) => update({ includeRequests: e.currentTarget.checked })} />
          </InlineField>
        </InlineFieldRow>
      );
    }
    case 'judge_score_distribution': {
      const q = query as AisecQueryOf<'judge_score_distribution'>;
      return (
        <InlineFieldRow>
          <NumberInput label="Bucket size" value={q.bucketSize} min={0.01} max={1} step={0.05} onCommit={(bucketSize) => update({ bucketSize })} />
          <InlineField label="Per judge model" labelWidth={LABEL_WIDTH + 2}>
            <InlineSwitch aria-label="Per judge model" value={q.byJudgeModel ?? false} onChange={(e) => update({ byJudgeModel: e.currentTarget.checked })} />
          </InlineField>
        </InlineFieldRow>
      );
    }
    case 'judge_drift': {
      const q = query as AisecQueryOf<'judge_drift'>;
      return (
        <InlineFieldRow>
          {/* empty: the judge_drift rule's configured values, so the panel flags the days the alert fires on */}
          <NumberInput label="Threshold" value={q.threshold} min={0.01} max={1} step={0.01} placeholder="rule's" onCommit={(threshold) => update({ threshold })} />
          <NumberInput label="Trailing days" value={q.trailingDays} min={1} max={90} placeholder="rule's" onCommit={(trailingDays) => update({ trailingDays })} />
          <InlineField label="Judge model" labelWidth={LABEL_WIDTH}>
            <TagsInput aria-label="Judge model filter" tags={q.judge_model ?? []} width={30} placeholder="any" onChange={(judge_model) => update({ judge_model })} />
          </InlineField>
        </InlineFieldRow>
      );
    }
    case 'guardrail_effectiveness': {
      const q = query as AisecQueryOf<'guardrail_effectiveness'>;
      return (
        <InlineFieldRow>
          <InlineField label="Format" labelWidth={LABEL_WIDTH}>
            <RadioButtonGroup
              options={[
                { value: 'timeseries' as const, label: 'Time series' },
                { value: 'total' as const, label: 'Totals' },
              ]}
              value={q.format ?? 'timeseries'}
              onChange={(format) => update({ format })}
            />
          </InlineField>
          {q.format === 'total' && (
            <InlineField label="Per policy" labelWidth={LABEL_WIDTH}>
              <InlineSwitch aria-label="Per policy" value={q.byPolicy ?? false} onChange={(e) => update({ byPolicy: e.currentTarget.checked })} />
            </InlineField>
          )}
        </InlineFieldRow>
      );
    }
    case 'alerts':
    case 'alert_summary':
    case 'annotations': {
      const q = query as AisecQueryOf<'alerts'> | AisecQueryOf<'alert_summary'> | AisecQueryOf<'annotations'>;
      return (
        <InlineFieldRow>
          {q.kind === 'alert_summary' && (
            <InlineField label="Group by" labelWidth={LABEL_WIDTH}>
              <Select
                aria-label="Group alerts by"
                options={options(['severity', 'rule_id', 'user_id'] as const)}
                value={q.groupBy ?? 'severity'}
                width={16}
                onChange={(v) => update({ groupBy: v.value })}
              />
            </InlineField>
          )}
          {q.kind === 'annotations' ? (
            <InlineField label="Min severity" labelWidth={LABEL_WIDTH}>
              <Select aria-label="Minimum severity" options={SEVERITY_OPTIONS} value={q.minSeverity ?? 'high'} width={16} onChange={(v) => update({ minSeverity: v.value })} />
            </InlineField>
          ) : (
            <InlineField label="Status" labelWidth={LABEL_WIDTH}>
              <RadioButtonGroup options={STATUS_OPTIONS} value={q.status ?? (q.kind === 'alerts' ? 'all' : 'open')} onChange={(status) => update({ status })} />
            </InlineField>
          )}
          <InlineField label="Rule" labelWidth={LABEL_WIDTH}>
            <TagsInput aria-label="Rule filter" tags={q.rule_id ?? []} width={30} placeholder="any" onChange={(rule_id) => update({ rule_id })} />
          </InlineField>
        </InlineFieldRow>
      );
    }
    case 'entity_baseline': {
      const q = query as AisecQueryOf<'entity_baseline'>;
      return (
        <InlineFieldRow>
          <InlineField label="Entity" labelWidth={LABEL_WIDTH}>
            <Select aria-label="Entity kind" options={ENTITY_OPTIONS} value={q.entityKind ?? 'user'} width={14} onChange={(v) => update({ entityKind: v.value })} />
          </InlineField>
          <InlineField label="Id" labelWidth={6} tooltip="An id or a variable, e.g. $user">
            <Input aria-label="Entity id" width={30} defaultValue={q.entityId ?? ''} placeholder="$user" onBlur={(e) => update({ entityId: e.currentTarget.value.trim() })} />
          </InlineField>
          <InlineField label="Show" labelWidth={8}>
            <Select
              aria-label="Baseline section"
              options={[
                { value: 'all' as const, label: 'Everything' },
                { value: 'summary' as const, label: 'Summary' },
                { value: 'profile' as const, label: 'Baseline features' },
                { value: 'hour_of_week' as const, label: 'Hour of week' },
              ]}
              value={q.section ?? 'all'}
              width={20}
              onChange={(v) => update({ section: v.value })}
            />
          </InlineField>
        </InlineFieldRow>
      );
    }
    case 'values': {
      const q = query as AisecQueryOf<'values'>;
      return (
        <InlineFieldRow>
          <InlineField label="Field" labelWidth={LABEL_WIDTH}>
            <Select aria-label="Field" options={FIELD_OPTIONS} value={q.field ?? 'user_id'} width={20} onChange={(v) => update({ field: v.value })} />
          </InlineField>
        </InlineFieldRow>
      );
    }
    default:
      return null;
  }
}

import React from 'react';
import { InlineField, Input, Select } from '@grafana/ui';
import type { AisecVariableQuery, ValueField } from '../types';

const FIELDS: Array<{ value: ValueField; label: string }> = [
  { value: 'user_id', label: 'Users' },
  { value: 'model', label: 'Models' },
  { value: 'endpoint', label: 'Endpoints' },
  { value: 'rule_id', label: 'Detection rules' },
  { value: 'judge_model', label: 'Judge models' },
  { value: 'category', label: 'Categories' },
  { value: 'policy_violated', label: 'Policies' },
];

interface Props {
  query: AisecVariableQuery | string;
  onChange: (query: AisecVariableQuery, definition: string) => void;
}

/** Template variable query: the distinct values of one field over the dashboard's time range. */
export function VariableQueryEditor({ query, onChange }: Props) {
  const current: AisecVariableQuery = typeof query === 'string' || !query ? { field: ((query as string) || 'user_id') as ValueField } : query;
  const emit = (next: AisecVariableQuery) => onChange(next, `${next.field}${next.endpoint ? ` of ${next.endpoint}` : ''}`);
  return (
    <>
      <InlineField label="Values of" labelWidth={16}>
        <Select aria-label="Variable field" options={FIELDS} value={current.field} width={24} onChange={(v) => v.value && emit({ ...current, field: v.value })} />
      </InlineField>
      <InlineField label="Endpoint" labelWidth={16} tooltip="Only values seen on this endpoint (optional; variables allowed)">
        <Input aria-label="Variable endpoint filter" width={24} defaultValue={current.endpoint ?? ''} onBlur={(e) => emit({ ...current, endpoint: e.currentTarget.value.trim() || undefined })} />
      </InlineField>
    </>
  );
}

import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DataSource } from '../datasource';
import type { AisecQuery } from '../types';
import { QueryEditor } from './QueryEditor';

const datasource = {} as DataSource;

function setup(query: AisecQuery) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  render(<QueryEditor datasource={datasource} query={query} onChange={onChange} onRunQuery={onRunQuery} />);
  return { onChange, onRunQuery };
}

describe('QueryEditor', () => {
  it('shows the kind, its options and the filters that apply to it', () => {
    setup({ refId: 'A', kind: 'event_volume', groupBy: 'severity' });
    expect(screen.getByText('Event volume')).toBeInTheDocument();
    expect(screen.getByText('severity')).toBeInTheDocument();
    for (const label of ['User', 'Endpoint', 'Model', 'Category', 'Severity']) expect(screen.getByText(label)).toBeInTheDocument();
  });

  it('switching kind takes the new kind’s defaults and keeps the filters that still apply', async () => {
    const { onChange, onRunQuery } = setup({ refId: 'A', kind: 'event_volume', groupBy: 'severity', user_id: ['$user'], category: ['judge_flag'] });
    await userEvent.click(screen.getByLabelText('Query kind'));
    await userEvent.click(screen.getByText('Alerts'));
    expect(onChange).toHaveBeenCalledWith({ refId: 'A', datasource: undefined, hide: undefined, user_id: ['$user'], kind: 'alerts', status: 'all', limit: 100 });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('edits the entity of a baseline query, variables allowed', () => {
    const { onChange } = setup({ refId: 'A', kind: 'entity_baseline', entityKind: 'user', entityId: '' });
    const id = screen.getByLabelText('Entity id');
    fireEvent.blur(id, { target: { value: ' $user ' } });
    expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ kind: 'entity_baseline', entityId: '$user' }));
    expect(screen.queryByText('User')).not.toBeInTheDocument();
  });

  it('adds a user filter value with Enter', async () => {
    const { onChange } = setup({ refId: 'A', kind: 'risk_matrix' });
    const [input] = screen.getAllByPlaceholderText('any (Enter to add)');
    await userEvent.type(input!, 'mallory{enter}');
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ kind: 'risk_matrix', user_id: ['mallory'] }));
  });

  it('clamps numeric options to what the service accepts', () => {
    const { onChange } = setup({ refId: 'A', kind: 'judge_drift' });
    fireEvent.blur(screen.getByLabelText('Threshold'), { target: { value: '5' } });
    expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ threshold: 1 }));
  });
});

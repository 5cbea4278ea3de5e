import React from 'react';
import { render, screen } from '@testing-library/react';
import { getDefaultTimeRange, toDataFrame } from '@grafana/data';
import { matrixPanelProps } from '../../testing/panelProps';
import type { MatrixOptions } from '../types';
import { RiskMatrixPanel } from './RiskMatrixPanel';

const frame = toDataFrame({
  fields: [
    { name: 'risk_tier', values: [4, 2, 3] },
    { name: 'category', values: ['prompt_attack', 'guardrail_block', 'judge_flag'] },
    { name: 'events', values: [35, 120, 91] },
    { name: 'max_severity', values: ['critical', 'low', 'high'] },
    { name: 'top_user', values: ['mallory', 'bob', 'dave'] },
  ],
});

function renderPanel(series = [frame], options: Partial<MatrixOptions> = {}) {
  const props = matrixPanelProps({
    series,
    options,
    timeRange: getDefaultTimeRange(),
    width: 640,
    height: 320,
    title: 'Risk',
    replaceVariables: (s: string) => s.replace('&${__url_time_range}', '&from=now-30d&to=now'),
  });
  return render(<RiskMatrixPanel {...props} />);
}

describe('RiskMatrixPanel', () => {
  it('draws one cell per tier × category with its count, severity and a drill-down link to the UEBA dashboard', () => {
    renderPanel();
    expect(screen.getAllByTestId('aisec-matrix-cell')).toHaveLength(3);
    for (const heading of ['Tier 2', 'Tier 3', 'Tier 4', 'Total']) expect(screen.getByText(heading)).toBeInTheDocument();
    const critical = screen.getByLabelText(/prompt_attack · Tier 4: 35 events, highest severity critical/);
    expect(critical).toHaveTextContent('35critical');
    expect(critical).toHaveAttribute('href', '/d/aisec-ueba/ueba-entity-drill-down?var-user=mallory&from=now-30d&to=now');
    expect(screen.getByTestId('aisec-matrix-legend')).toHaveTextContent('critical · Incident');
    expect(screen.getByText('246 events')).toBeInTheDocument();
  });

  it('colours by the severity ladder, darker for more events', () => {
    renderPanel();
    const critical = screen.getByLabelText(/prompt_attack · Tier 4/);
    const low = screen.getByLabelText(/guardrail_block · Tier 2/);
    expect(critical.style.background).not.toEqual(low.style.background);
  });

  it('shows a clear empty state', () => {
    renderPanel([]);
    expect(screen.getByTestId('aisec-matrix-empty')).toHaveTextContent('No AI-security events in this time range.');
  });

  it('renders plain cells without links when no drill-down URL is set, and a gradient legend', () => {
    renderPanel([frame], { drilldownUrl: '', colorMode: 'gradient' });
    expect(screen.getAllByTestId('aisec-matrix-cell').every((c) => c.tagName === 'DIV')).toBe(true);
    expect(screen.getByTestId('aisec-matrix-legend')).toHaveTextContent('0 – 120 events');
  });
});

import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import type { DataSourceSettings } from '@grafana/data';
import type { AisecDataSourceOptions, AisecSecureJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';

function settings(overrides: Partial<DataSourceSettings<AisecDataSourceOptions, AisecSecureJsonData>> = {}) {
  return {
    id: 1,
    uid: 'aisec',
    orgId: 1,
    name: 'AI Security',
    type: 'aisec-ueba-datasource',
    typeName: '',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    withCredentials: false,
    readOnly: false,
    jsonData: { url: 'http://analytics-service:8080' },
    secureJsonFields: {},
    ...overrides,
  } as DataSourceSettings<AisecDataSourceOptions, AisecSecureJsonData>;
}

describe('ConfigEditor', () => {
  it('edits the service URL, trimming a trailing slash', () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={settings()} onOptionsChange={onOptionsChange} />);
    const url = screen.getByPlaceholderText('http://analytics-service:8080');
    expect(url).toHaveValue('http://analytics-service:8080');
    fireEvent.change(url, { target: { value: 'http://svc:9000/ ' } });
    expect(onOptionsChange).toHaveBeenCalledWith(expect.objectContaining({ jsonData: { url: 'http://svc:9000' } }));
  });

  it('takes the API key into secureJsonData only', () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={settings()} onOptionsChange={onOptionsChange} />);
    fireEvent.change(screen.getByPlaceholderText('read key'), { target: { value: 's3cret-read-key' } });
    const next = onOptionsChange.mock.calls[0][0];
    expect(next.secureJsonData).toEqual({ apiKey: 's3cret-read-key' });
    expect(JSON.stringify(next.jsonData)).not.toContain('s3cret');
  });

  it('shows a stored key as configured, never its value, and can reset it', () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={settings({ secureJsonFields: { apiKey: true } })} onOptionsChange={onOptionsChange} />);
    expect(screen.getByDisplayValue('configured')).toBeDisabled();
    fireEvent.click(screen.getByRole('button', { name: /reset/i }));
    expect(onOptionsChange).toHaveBeenCalledWith(expect.objectContaining({ secureJsonFields: { apiKey: false }, secureJsonData: { apiKey: '' } }));
  });
});

import React, { type ChangeEvent } from 'react';
import { InlineField, Input, SecretInput } from '@grafana/ui';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import type { AisecDataSourceOptions, AisecSecureJsonData } from '../types';

type Props = DataSourcePluginOptionsEditorProps<AisecDataSourceOptions, AisecSecureJsonData>;

/** URL of the service and its API key. The key is write-only: Grafana's data proxy adds it to requests. */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields, secureJsonData } = options;

  const onUrlChange = (event: ChangeEvent<HTMLInputElement>) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, url: event.target.value.trim().replace(/\/+$/, '') } });

  const onApiKeyChange = (event: ChangeEvent<HTMLInputElement>) =>
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, apiKey: event.target.value } });

  const onApiKeyReset = () =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, apiKey: false },
      secureJsonData: { ...secureJsonData, apiKey: '' },
    });

  return (
    <>
      <InlineField
        label="URL"
        labelWidth={16}
        interactive
        tooltip="Base URL of the analytics service as Grafana's server reaches it, e.g. http://analytics-service:8080 in Docker Compose"
      >
        <Input id="aisec-config-url" value={jsonData.url ?? ''} onChange={onUrlChange} placeholder="http://analytics-service:8080" width={48} />
      </InlineField>
      <InlineField
        label="API key"
        labelWidth={16}
        interactive
        tooltip="A key with the read role (AISEC_API_KEYS). Stored encrypted; only Grafana's server sends it, as Authorization: Bearer"
      >
        <SecretInput
          id="aisec-config-api-key"
          isConfigured={Boolean(secureJsonFields?.apiKey)}
          value={secureJsonData?.apiKey ?? ''}
          placeholder="read key"
          width={48}
          onReset={onApiKeyReset}
          onChange={onApiKeyChange}
        />
      </InlineField>
    </>
  );
}

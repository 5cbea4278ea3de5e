import { DataSourcePlugin } from '@grafana/data';
import { DataSource } from './datasource';
import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { AisecDataSourceOptions, AisecQuery, AisecSecureJsonData } from './types';

export const plugin = new DataSourcePlugin<DataSource, AisecQuery, AisecDataSourceOptions, AisecSecureJsonData>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor)
  .setVariableQueryEditor(VariableQueryEditor);

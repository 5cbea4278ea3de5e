/**
 * Extends the generated config (.config/webpack) the way create-plugin documents: the nested plugins' logos
 * are copied next to their plugin.json, which the generated copy rules do only for the root plugin.
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config.ts';

const config = async (env: Env): Promise<Configuration> =>
  merge(await grafanaConfig(env), {
    plugins: [new CopyWebpackPlugin({ patterns: [
          { from: 'datasource/img', to: 'datasource/img' },
          { from: 'panel/img', to: 'panel/img' },
        ] })],
  });

export default config;

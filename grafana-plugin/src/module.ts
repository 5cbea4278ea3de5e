/**
 * The app plugin is the package: Grafana allows nested plugins only inside an app, so the datasource
 * (./datasource, aisec-ueba-datasource) and the panel (./panel, aisec-riskmatrix-panel) ship inside it.
 * The app itself adds no pages.
 */
import { AppPlugin } from '@grafana/data';

export const plugin = new AppPlugin();

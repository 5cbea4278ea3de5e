// Jest configuration provided by Grafana scaffolding (.config/jest.config.js), extended here.
const base = require('./.config/jest.config');

const [swc] = Object.values(base.transform);

module.exports = {
  ...base,
  // with a workspace-hoisted node_modules, d3-interpolate resolves d3-color's ESM build (.mjs): transform it too
  transform: { ...base.transform, '^.+\\.mjs$': swc },
  // the datasource's end-to-end suite needs a running service; test/integration/query-grafana.test.ts runs it
  testPathIgnorePatterns: ['/node_modules/', ...(process.env.AISEC_SERVICE_URL ? [] : ['\\.service\\.test\\.tsx?$'])],
};

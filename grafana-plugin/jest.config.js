// Jest configuration provided by Grafana scaffolding (.config/jest.config.js), extended here.
const base = require('./.config/jest.config');

const [swc] = Object.values(base.transform);

module.exports = {
  ...base,
  // with a workspace-hoisted node_modules, d3-interpolate resolves d3-color's ESM build (.mjs): transform it too
  transform: { ...base.transform, '^.+\\.mjs$': swc },
  // the datasource's end-to-end suite needs a running service; test/integration/query-grafana.test.ts runs it
  // jest's 5 s per-test default is a timing assertion in disguise: on a shared 2-core CI machine a userEvent-driven
  // editor test under load took longer (fresh-clone run at load 20); the tests wait on what they assert, not on time
  testTimeout: 60_000,
  testPathIgnorePatterns: ['/node_modules/', ...(process.env.AISEC_SERVICE_URL ? [] : ['\\.service\\.test\\.tsx?$'])],
};

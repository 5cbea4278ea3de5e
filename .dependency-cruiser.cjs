/**
 * Dependency rules that keep the architecture visible in the folder tree (run by `npm run lint`, inside `npm test`):
 * no import cycles; Elasticsearch's client only from analytics-service/src/elasticsearch/; the domain never reaches
 * into HTTP; every workspace imports only packages its own package.json declares.
 */
const DOMAIN = '^analytics-service/src/(assurance|contract|detection|export|ingest|query|ueba|observability|elasticsearch)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: split the shared part out, or invert the dependency through an interface.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'elasticsearch-client-only-in-elasticsearch',
      severity: 'error',
      comment: 'The service reaches Elasticsearch only through the stores and readers in analytics-service/src/elasticsearch/.',
      from: { path: '^analytics-service/src/', pathNot: '^analytics-service/src/elasticsearch/' },
      to: { path: '@elastic/elasticsearch' },
    },
    {
      name: 'domain-not-http',
      severity: 'error',
      comment: 'Domain logic does not depend on the HTTP layer (http/ composes the domain, never the reverse).',
      from: { path: DOMAIN },
      to: { path: '^analytics-service/src/http/' },
    },
    {
      name: 'not-to-undeclared-package',
      severity: 'error',
      comment: 'A package imported by a workspace must be declared in that workspace\'s package.json (or the root\'s).',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|coverage|test-results)/|grafana-plugin/\\.config/|\\.d\\.ts$' },
    tsPreCompilationDeps: true,
    parser: 'tsc',
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};

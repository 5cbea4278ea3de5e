// One lint configuration for every workspace: ESLint's and typescript-eslint's recommended rules (syntax only,
// no type information, so it runs in seconds), plus the few rules this codebase leans on. The dependency rules
// (no cycles, Elasticsearch only from analytics-service/src/elasticsearch/, no http/ from the domain) live in
// .dependency-cruiser.cjs; unused dependencies are knip's (knip.json). All three run inside `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/*.d.ts',
      'grafana-plugin/.config/**',
      'grafana-plugin/harness/build/**',
      'test/elasticsearch/target/**',
      'bench/results/**',
      'tools/**',
      'coverage/**',
      'test-results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', URLSearchParams: 'readonly',
        setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly',
        setImmediate: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly', fetch: 'readonly',
        AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly',
        performance: 'readonly', Response: 'readonly', Request: 'readonly', Headers: 'readonly', crypto: 'readonly',
        window: 'readonly', document: 'readonly', navigator: 'readonly', __dirname: 'readonly', module: 'writable',
        require: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `typeof import('…')` stays allowed: the benchmarks type modules they load from a path given on the command line
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='only'][callee.object.name=/^(test|it|describe)$/]", message: 'no .only left behind' },
        { selector: "CallExpression[callee.property.name='skip'][callee.object.name=/^(test|it|describe)$/]", message: 'no .skip left behind' },
      ],
      // a variable read by a handler installed before its one assignment must stay `let`
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // the plugin's scaffold configuration files are CommonJS, as @grafana/create-plugin writes them
    files: ['grafana-plugin/*.js', 'grafana-plugin/.prettierrc.js'],
    languageOptions: { sourceType: 'commonjs', globals: { global: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // .stryker-tmp/ and reports/: npm run mutation's sandbox (a copy of the whole project) and reports, while it runs.
  { ignores: ['miniprogram/', '.stryker-tmp/', 'reports/', 'node_modules/', 'dist/', 'coverage/', 'cloudfunctions/*/*.js', 'test/fixtures/reference-function/', 'scripts/wechat-node/', 'test/fixtures/**/node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable', exports: 'writable', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
    rules: {
      eqeqeq: 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.cjs', '**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The dashboard's page: ES modules run by the browser, as served (no build step).
    files: ['src/dashboard/page/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: { document: 'readonly', location: 'readonly', history: 'readonly', fetch: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', Node: 'readonly', Intl: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  {
    files: ['src/tools/**', 'scripts/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
);

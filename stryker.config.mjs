// @ts-check
/**
 * Mutation testing of the transport-free core, the HTTPS side, the component client and batch runs
 * (`npm run mutation`, not part of `npm test`): every mutant of src/core and src/https must be
 * killed by a unit test; src/component and src/batch are measured (docs/development.md). Unit suites
 * only (the end-to-end ones spawn processes and take minutes per mutant), coverage per test so a
 * mutant runs only the tests that reach it, and at most two workers: a 2-core machine stays usable.
 * The HTML and JSON reports go to reports/mutation/ (ignored by git). The whole scope is about 2,330
 * mutants, 882 of them static (each needs every unit test, about 25 s here): the 1,425 others take an
 * hour on an idle 2-core machine, the static ones several more; src/component and src/batch add
 * about 2,500 more, most of them reached by no unit test. For one area, name it
 * (--ignoreStatic skips the static):
 *   npm run mutation -- --ignoreStatic --mutate "src/core/engine.ts:82-137,src/core/retry.ts,src/https/client.ts"
 * StrykerJS 9.6 is pinned: 10.x needs Node 22, and this project develops on Node 20.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'jest',
  plugins: ['@stryker-mutator/jest-runner'],
  mutate: ['src/core/**/*.ts', 'src/https/**/*.ts', 'src/component/**/*.ts', 'src/batch/**/*.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 5000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['dist', 'reports', 'miniprogram', 'scripts/wechat-node/node_modules'],
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    config: {
      // Unit suites only, and of those only the ones that exercise src/core and src/https.
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      testPathIgnorePatterns: ['/build\\.test\\.ts$', '/lockfiles\\.test\\.ts$', '/wechat-node\\.test\\.ts$', '/miniprogram-types\\.test\\.ts$', '/defer-require\\.test\\.ts$', '/readme\\.test\\.ts$'],
      coverageThreshold: undefined,
    },
    enableFindRelatedTests: false,
  },
};

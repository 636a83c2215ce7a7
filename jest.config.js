/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type-checking is tsc's job (npm test runs it first); ts-jest only transpiles here.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  collectCoverageFrom: [
    'src/core/**/*.ts',
    'src/cloud/**/*.ts',
    'src/https/**/*.ts',
    'src/emulator/**/*.ts',
    'src/component/**/*.ts',
    // Batch runs: the library API and everything under it run in jest's process against a real
    // PostgreSQL server (test/e2e/batch-library.test.ts). Left out, as they cannot run here:
    'src/batch/**/*.ts',
    // - PGlite's opener: PGlite loads its WebAssembly with a dynamic import jest's VM refuses (the
    //   embedded-store suites run it in child processes: batch-embedded, batch-stop, package);
    '!src/batch/sql-embedded.ts',
    // - the command line's layer (arguments, environment, signals, process.exit) and the `npm start`
    //   demo that spawns it: like src/tools/, run only as child processes by the batch suites.
    '!src/batch/cli.ts',
    '!src/batch/options.ts',
    '!src/batch/demo.ts',
  ],
  coverageThreshold: { global: { lines: 95, branches: 95 } },
  coverageReporters: ['text-summary', 'text'],
};

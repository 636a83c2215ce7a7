#!/usr/bin/env node
/**
 * The test suite on a loaded machine: `node scripts/load.mjs [--runs N] [--hogs K] [--npm-test] [-- jest args]`.
 *
 * Starts K busy loops (default: one per core), then runs the suite N times (default 2) while they
 * spin: jest on the whole suite by default, `npm test` with --npm-test, or jest with the arguments
 * after `--`. Reports each run's time, exit status and failed tests, and stops the busy loops
 * whatever happens (each also stops by itself after --max-minutes, default 60). Every run's output
 * is kept in a log file whose path is printed. Nothing leaves this machine.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dashDash = process.argv.indexOf('--');
const own = dashDash < 0 ? process.argv.slice(2) : process.argv.slice(2, dashDash);
const jestArgs = dashDash < 0 ? [] : process.argv.slice(dashDash + 1);

function usage(message) {
  process.stderr.write(`load: ${message} (usage: node scripts/load.mjs [--runs N] [--hogs K] [--max-minutes M] [--npm-test] [-- jest args])\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({ args: own, options: { runs: { type: 'string', default: '2' }, hogs: { type: 'string', default: String(availableParallelism()) }, 'max-minutes': { type: 'string', default: '60' }, 'npm-test': { type: 'boolean', default: false } }, strict: true }));
} catch (error) {
  usage(error.message.split('\n')[0]);
}
const whole = (name, min, max) => {
  const value = /^\d{1,4}$/.test(values[name]) ? Number(values[name]) : NaN;
  if (!(value >= min && value <= max)) usage(`--${name} takes a whole number from ${min} to ${max}`);
  return value;
};
const runs = whole('runs', 1, 20);
const hogCount = whole('hogs', 0, 64);
const maxMinutes = whole('max-minutes', 1, 600);

// Each busy loop checks the clock now and then, so that it ends by itself even if this script is killed.
const HOG = `const end = Date.now() + ${maxMinutes * 60_000}; for (let i = 0; ; i++) if ((i & 0xfffff) === 0 && Date.now() > end) process.exit(0);`;
const hogs = Array.from({ length: hogCount }, () => spawn(process.execPath, ['-e', HOG], { stdio: 'ignore' }));
const stopHogs = () => hogs.forEach((hog) => hog.exitCode === null && hog.kill('SIGKILL'));
process.on('exit', stopHogs);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

const logs = mkdtempSync(join(tmpdir(), 'wxplugin-load-'));
const command = values['npm-test'] ? ['npm', ['test']] : [process.execPath, [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...jestArgs]];

/** One run of the suite: its time, exit status, jest's counts and the failed tests' names. */
function runOnce(index) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command[0], command[1], { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      const log = join(logs, `run-${index}.log`);
      writeFileSync(log, output);
      const tests = /^Tests:\s+(.*)$/m.exec(output)?.[1] ?? 'no jest summary';
      const failed = [...output.matchAll(/^\s+✕ (.*?)(?: \(\d+ ms\))?$/gm)].map((match) => match[1]);
      resolve({ run: index, seconds: Math.round((Date.now() - started) / 100) / 10, exitCode: code, tests, failed, log });
    });
  });
}

process.stdout.write(`load: ${hogCount} busy loop(s) on ${availableParallelism()} core(s); ${runs} run(s) of ${values['npm-test'] ? 'npm test' : `jest ${jestArgs.join(' ')}`.trim()}\n`);
const results = [];
for (let index = 1; index <= runs; index += 1) {
  const result = await runOnce(index);
  results.push(result);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
stopHogs();
const failedRuns = results.filter((result) => result.exitCode !== 0).length;
process.stdout.write(`load: ${runs - failedRuns} run(s) passed, ${failedRuns} failed; times ${results.map((result) => `${result.seconds} s`).join(', ')}\n`);
process.exitCode = failedRuns === 0 ? 0 : 1;

'use strict';
// One cold invocation timed from inside the process, the way an independent harness times it
// (the second view of `npm run bench`, src/tools/bench.ts): no IPC channel and nothing loaded
// before the function but what Node itself loads, so that whatever the function needs (net,
// stream, http, ...) is loaded inside the timed span, as in a process that has done nothing yet.
// The platform's bootstrap (scf-bootstrap.cjs) reports over an IPC channel, which loads net and
// stream before the function is required: those are then outside its timed span.
// Writes one JSON line to file descriptor 3. Plain CommonJS, so it runs on Node 16.13 too.
// What Node had loaded before: the report lists the built-ins loaded during the timed span.
const loadedBefore = new Set(process.moduleLoadList);
const started = process.hrtime.bigint();
const cpuAtStart = process.cpuUsage();
const path = require('path');
const { functionDir, event, context } = JSON.parse(process.env.COLD_PROBE);
delete process.env.COLD_PROBE;

const ms = (from, to) => Number(to - from) / 1e6;
/**
 * This process's own peak resident set, in KiB. On Linux, getrusage's maxRSS (what
 * process.resourceUsage reports) keeps the resident set the process had when it was forked, that
 * is the spawning process's: a test runner or benchmark holding 300 MB made every child it started
 * report 300 MB, whatever the child did. /proc/self/status's VmHWM is the peak of this program's
 * own memory since exec. Elsewhere, maxRSS.
 */
function peakRssKb() {
  try {
    const match = /^VmHWM:\s*(\d+) kB$/m.exec(require('fs').readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // No /proc (not Linux): maxRSS below.
  }
  return process.resourceUsage().maxRSS;
}

const { main } = require(path.join(functionDir, 'index.js'));
const loaded = process.hrtime.bigint();
Promise.resolve()
  .then(() => main(event, context))
  .then(
    (result) => ({ errCode: result && result.errCode }),
    (error) => ({ errCode: null, message: String(error && error.message) }),
  )
  .then((outcome) => {
    const answered = process.hrtime.bigint();
    const cpu = process.cpuUsage(cpuAtStart);
    const builtins = process.moduleLoadList.filter((name) => !loadedBefore.has(name) && name.startsWith('NativeModule ')).map((name) => name.slice('NativeModule '.length));
    const report = Object.assign(outcome, {
      loadMs: ms(started, loaded),
      callMs: ms(loaded, answered),
      // CPU time (user + system) of load + first call: what a busy machine inflates least.
      cpuMs: (cpu.user + cpu.system) / 1000,
      // From the process's own start (Node's bootstrap included) to the answer.
      sinceStartMs: require('perf_hooks').performance.now(),
      maxRssKb: peakRssKb(),
      builtins,
    });
    require('fs').writeSync(3, JSON.stringify(report) + '\n');
    process.exit(0);
  });

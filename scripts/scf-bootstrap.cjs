'use strict';
// The platform's side of one invocation, run in a fresh process: load the function folder's
// index.js as SCF does, call main(event, context), and report what came back over the IPC channel.
// Like the platform, it gives up at the time limit: a function that has not answered by then is
// reported as killed, and its late answer is lost. Plain CommonJS, so it runs on Node 16.13 too.
const path = require('path');

const invocation = JSON.parse(process.env.SCF_BOOTSTRAP_INVOCATION);
const { event, context } = invocation;
const functionDir = path.resolve(invocation.functionDir);
delete process.env.SCF_BOOTSTRAP_INVOCATION;
// Benchmark only (src/tools/bench.ts): SCF_BOOTSTRAP_PHASES=1 adds a `phases` object to the report.
// Unset (always, outside the benchmark), nothing differs from a plain invocation.
const phases = process.env.SCF_BOOTSTRAP_PHASES === '1' ? phaseTimer() : undefined;
delete process.env.SCF_BOOTSTRAP_PHASES;

/**
 * Where a cold start's time goes. load(): index.js required as usual, with two timers in place
 * while it loads: every .js file of the function folder is read, compiled (V8 parses the whole file
 * and compiles its top level; inner functions compile lazily, later) and evaluated in three timed
 * steps, as Module._compile does them; and a vm.Script the function compiles itself (index.js
 * compiling bundle.js from a V8 code cache) counts as compile time, with whether V8 accepted the
 * cache. Evaluation is the rest of the load (module bodies, requires). The first call runs under
 * the in-process V8 sampling profiler, which times wx-server-sdk's `cloud.init` (`defaultInit`,
 * run by the transport on the first call) and the time the process sat idle waiting for the
 * gateway; the profiler's own overhead is in these runs' call time.
 */
function phaseTimer() {
  const fs = require('fs');
  const vm = require('vm');
  const Module = require('module');
  const INTERVAL_US = 50;
  const now = () => process.hrtime.bigint();
  const ms = (nanoseconds) => Number(nanoseconds) / 1e6;
  const out = { readMs: 0, compileMs: 0, evaluateMs: 0, cache: 'none' };
  let session;
  return {
    load(filename) {
      const dir = path.dirname(filename) + path.sep;
      const plainJs = Module._extensions['.js'];
      const PlainScript = vm.Script;
      let read = 0n;
      let compile = 0n;
      Module._extensions['.js'] = function timedJs(loaded, file) {
        if (!file.startsWith(dir)) return plainJs(loaded, file);
        const t0 = now();
        const source = fs.readFileSync(file, 'utf8');
        const t1 = now();
        const compiled = vm.compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: file });
        read += t1 - t0;
        compile += now() - t1;
        compiled.call(loaded.exports, loaded.exports, Module.createRequire(file), loaded, file, path.dirname(file));
      };
      vm.Script = class TimedScript extends PlainScript {
        constructor(code, options) {
          const t0 = now();
          super(code, options);
          compile += now() - t0;
          if (options && options.cachedData) out.cache = this.cachedDataRejected ? 'rejected' : 'accepted';
        }
      };
      const t0 = now();
      try {
        return require(filename);
      } finally {
        const total = now() - t0;
        Module._extensions['.js'] = plainJs;
        vm.Script = PlainScript;
        Object.assign(out, { readMs: ms(read), compileMs: ms(compile), evaluateMs: ms(total - read - compile) });
      }
    },
    startCall() {
      session = new (require('inspector').Session)();
      session.connect();
      session.post('Profiler.enable');
      session.post('Profiler.setSamplingInterval', { interval: INTERVAL_US });
      session.post('Profiler.start');
    },
    finish() {
      let profile;
      session.post('Profiler.stop', (error, result) => (profile = result && result.profile));
      session.disconnect();
      if (!profile) return out;
      const parent = new Map();
      const byId = new Map(profile.nodes.map((node) => [node.id, node]));
      for (const node of profile.nodes) for (const child of node.children || []) parent.set(child, node.id);
      const within = (id, name) => {
        for (let at = id; at !== undefined; at = parent.get(at)) if (byId.get(at).callFrame.functionName === name) return true;
        return false;
      };
      let time = profile.startTime;
      let initFirst;
      let initLast;
      let idleUs = 0;
      profile.samples.forEach((id, index) => {
        const delta = profile.timeDeltas[index];
        time += delta;
        if (byId.get(id).callFrame.functionName === '(idle)') idleUs += delta;
        if (within(id, 'defaultInit')) {
          if (initFirst === undefined) initFirst = time - delta;
          initLast = time;
        }
      });
      // cloud.init is one synchronous call: its duration is the span of the samples inside it.
      out.initMs = initFirst === undefined ? 0 : (initLast - initFirst) / 1000;
      out.idleMs = idleUs / 1000;
      out.profiledCallMs = (profile.endTime - profile.startTime) / 1000;
      return out;
    },
  };
}

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

// The first report is the outcome, as on the platform: an answer that arrives after the kill is
// lost, even if it comes while the kill is still being reported.
let reported = false;
function report(message) {
  if (reported) return;
  reported = true;
  process.send(message, () => process.exit(0));
}

const loadStart = process.hrtime.bigint();
let main;
try {
  main = (phases ? phases.load(path.join(functionDir, 'index.js')) : require(path.join(functionDir, 'index.js'))).main;
} catch (error) {
  report({ kind: 'load-failed', message: String(error && error.stack) });
}
const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;

if (main) {
  if (phases) phases.startCall();
  const callStart = process.hrtime.bigint();
  const killer = setTimeout(() => report({ kind: 'killed', loadMs }), context.time_limit_in_ms);
  Promise.resolve()
    .then(() => main(event, context))
    .then(
      (result) => {
        clearTimeout(killer);
        const callMs = Number(process.hrtime.bigint() - callStart) / 1e6;
        // Peak resident set size of the whole process so far, in KiB.
        const maxRssKb = peakRssKb();
        // Which of the function folder's own files were loaded (index.js; deferred.js only if used).
        const loadedFiles = Object.keys(require.cache)
          .filter((file) => file.startsWith(functionDir + path.sep))
          .map((file) => path.relative(functionDir, file));
        const returned = { kind: 'returned', result: JSON.parse(JSON.stringify(result === undefined ? null : result)), loadMs, callMs, maxRssKb, loadedFiles };
        report(phases ? Object.assign(returned, { phases: phases.finish() }) : returned);
      },
      (error) => {
        clearTimeout(killer);
        report({ kind: 'threw', message: String(error && error.message), loadMs });
      },
    );
}

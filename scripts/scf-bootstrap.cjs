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

function report(message) {
  process.send(message, () => process.exit(0));
}

const loadStart = process.hrtime.bigint();
let main;
try {
  main = require(path.join(functionDir, 'index.js')).main;
} catch (error) {
  report({ kind: 'load-failed', message: String(error && error.stack) });
}
const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;

if (main) {
  const callStart = process.hrtime.bigint();
  const killer = setTimeout(() => report({ kind: 'killed', loadMs }), context.time_limit_in_ms);
  Promise.resolve()
    .then(() => main(event, context))
    .then(
      (result) => {
        clearTimeout(killer);
        const callMs = Number(process.hrtime.bigint() - callStart) / 1e6;
        // Peak resident set size of the whole process so far, in KiB (Node reports kilobytes).
        const maxRssKb = process.resourceUsage().maxRSS;
        // Which of the function folder's own files were loaded (index.js; deferred.js only if used).
        const loadedFiles = Object.keys(require.cache)
          .filter((file) => file.startsWith(functionDir + path.sep))
          .map((file) => path.relative(functionDir, file));
        report({ kind: 'returned', result: JSON.parse(JSON.stringify(result === undefined ? null : result)), loadMs, callMs, maxRssKb, loadedFiles });
      },
      (error) => {
        clearTimeout(killer);
        report({ kind: 'threw', message: String(error && error.message), loadMs });
      },
    );
}

'use strict';
// A warm container: one process loads a function folder's index.js once and runs main() N times,
// as the platform does between cold starts. Reports each result's errCode and how long it took.
// `timeLimitsMs` gives each invocation its own limit (as a function's limit can change between
// invocations of one container); otherwise every one of the `times` has `timeLimitMs`.
const path = require('path');
const { functionDir, event, times, timeLimitMs, timeLimitsMs } = JSON.parse(process.env.WARM_INVOKE);
const { main } = require(path.join(functionDir, 'index.js'));
const limits = timeLimitsMs || Array.from({ length: times }, () => timeLimitMs);

(async () => {
  const codes = {};
  const results = [];
  let slowestMs = 0;
  for (let i = 0; i < limits.length; i += 1) {
    const started = Date.now();
    const result = await main(event, { time_limit_in_ms: limits[i], request_id: `warm-${i}` });
    const ms = Date.now() - started;
    slowestMs = Math.max(slowestMs, ms);
    codes[result.errCode] = (codes[result.errCode] || 0) + 1;
    results.push({ timeLimitMs: limits[i], errCode: result.errCode, attempts: result.attempts, ms });
  }
  // Stay alive until told: the caller counts the connections this process still holds open.
  process.once('message', () => process.exit(0));
  process.send({ codes, slowestMs, results });
})();

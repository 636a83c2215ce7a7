'use strict';
// A warm container: one process loads a function folder's index.js once and runs main() N times,
// as the platform does between cold starts. Reports each result's errCode and how long it took.
const path = require('path');
const { functionDir, event, times, timeLimitMs } = JSON.parse(process.env.WARM_INVOKE);
const { main } = require(path.join(functionDir, 'index.js'));

(async () => {
  const codes = {};
  let slowestMs = 0;
  for (let i = 0; i < times; i += 1) {
    const started = Date.now();
    const result = await main(event, { time_limit_in_ms: timeLimitMs, request_id: `warm-${i}` });
    slowestMs = Math.max(slowestMs, Date.now() - started);
    codes[result.errCode] = (codes[result.errCode] || 0) + 1;
  }
  // Stay alive until told: the caller counts the connections this process still holds open.
  process.once('message', () => process.exit(0));
  process.send({ codes, slowestMs });
})();

'use strict';
// The warm half of `npm run bench`, in one process with the platform's environment: the cost of
// one more call once everything is loaded, for our function's main() and for a bare SDK call.
// Plain CommonJS, started by src/tools/bench.ts.
const { functionDir, iterations, warmup, event: functionEvent } = JSON.parse(process.env.BENCH_WARM);
const path = require('path');
const ours = require(path.join(functionDir, 'index.js'));
const cloud = require('wx-server-sdk');
cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });

const event = { pluginAppid: 'wx0123456789abcdef', reason: 'warm benchmark' };
// The function's own event (pluginManager takes `action` too); the same application either way.
const oursEvent = functionEvent || event;
const sides = {
  ours: () => ours.main(oursEvent, { time_limit_in_ms: 3000 }),
  bare: () => cloud.openapi.pluginManager.applyPlugin({ action: 'apply', pluginAppid: event.pluginAppid, reason: event.reason }),
};

async function time(side) {
  const start = process.hrtime.bigint();
  const result = await sides[side]();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.errCode !== 0) throw new Error(`${side} call failed: ${JSON.stringify(result)}`);
  return ms;
}

(async () => {
  const samples = { ours: [], bare: [] };
  for (let i = 0; i < warmup + iterations; i += 1) {
    // Alternate which side goes first, so neither always runs on a freshly woken socket.
    const order = i % 2 === 0 ? ['ours', 'bare'] : ['bare', 'ours'];
    for (const side of order) {
      const ms = await time(side);
      if (i >= warmup) samples[side].push(ms);
    }
  }
  process.send(samples, () => process.exit(0));
})().catch((error) => {
  process.send({ error: String(error && error.stack) }, () => process.exit(1));
});

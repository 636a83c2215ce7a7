'use strict';
// Runs the same SDK calls through whichever wx-server-sdk PROBE_SDK names (the stock package or a
// bundle of it) and reports what each call did, and whether the bundle's deferred chunk was loaded.
const cloud = require(process.env.PROBE_SDK);
cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV, timeout: 2000 });

const chunkLoaded = () => Object.keys(require.cache).some((file) => file.endsWith('deferred.js'));
// Messages carry per-request ids and the gateway's port; nothing else may differ.
const normalise = (text) => String(text).replace(/seqId=[^&\]\s|]+/g, 'seqId=*').replace(/127\.0\.0\.1:\d+/g, 'gateway').replace(/"requestId":"[^"]*"/g, '"requestId":"*"');

async function settle(call) {
  try {
    const value = await call();
    return { resolved: JSON.parse(normalise(JSON.stringify(value))) };
  } catch (error) {
    return { rejected: { errCode: error && error.errCode, code: error && error.code, message: normalise(error && (error.errMsg || error.message)) } };
  }
}

(async () => {
  const report = {};
  report.openapi = await settle(() => cloud.openapi.pluginManager.applyPlugin({ action: 'apply', pluginAppid: 'wx0123456789abcdef', reason: 'probe' }));
  report.chunkAfterOpenapi = chunkLoaded();
  report.wxContext = cloud.getWXContext();
  report.database = await settle(() => cloud.database().collection('todos').where({ done: false }).get());
  report.chunkAfterDatabase = chunkLoaded();
  report.command = typeof cloud.database().command.eq;
  report.callFunction = await settle(() => cloud.callFunction({ name: 'another', data: { x: 1 } }));
  report.getTempFileURL = await settle(() => cloud.getTempFileURL({ fileList: ['cloud://env.bucket/x.png'] }));
  report.logger = typeof cloud.logger().info;
  process.send(report, () => process.exit(0));
})();

/**
 * One server of an account, as a real process: the library's HTTPS client with the account's
 * appid and secret, kept alive so that its token stays cached between calls. Reads one command per
 * line on stdin (`call`), answers one JSON line per call on stdout (`{"errCode":…}`).
 * Bundled and started by token-sharing.ts.
 */
import { createInterface } from 'node:readline';
import { createHttpsClient } from '../../src/index';

const client = createHttpsClient({
  appid: process.env.WECHAT_APPID,
  secret: process.env.WECHAT_APPSECRET,
  baseUrl: process.env.WECHAT_API_BASE_URL,
  timeoutMs: 60_000,
});

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line !== 'call') return;
  void client.getPluginList().then((result) => process.stdout.write(`${JSON.stringify({ errCode: result.errCode, attempts: result.attempts })}\n`));
});

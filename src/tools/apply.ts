/**
 * `npm run apply -- --plugin-appid wx... [--reason "..."]`: applies for a plugin over WeChat's
 * HTTPS API, from a server or the command line. Credentials and the base URL come from the
 * environment; the result is printed as JSON; the exit status is 0 exactly when errCode is 0.
 */
import { ProjectCode } from '../core/codes';
import { createHttpsClient, DEFAULT_BASE_URL, DEFAULT_HTTPS_TIMEOUT_MS } from '../https/client';
import { parseOptions, usageError } from './cli';

const HELP = `Usage: npm run -s apply -- --plugin-appid wx0123456789abcdef [--reason TEXT] [--timeout MS]

Applies for a plugin through POST /wxa/plugin?access_token=... and prints the result as JSON:
{ "errCode": 0, "errMsg": "applyPlugin:ok", ... }. Exit status 0 exactly when errCode is 0.

Environment:
  WECHAT_ACCESS_TOKEN                  an access token to use as is, or
  WECHAT_APPID and WECHAT_APPSECRET    the mini-program's credentials (tokens via /cgi-bin/stable_token)
  WECHAT_API_BASE_URL                  default ${DEFAULT_BASE_URL}

Options:
  --plugin-appid ID   the plugin to apply for: "wx" + 16 lowercase hex digits   (required)
  --reason TEXT       why the mini-program wants it (optional, at most 500 characters)
  --timeout MS        the whole call's time budget, retries included (default ${DEFAULT_HTTPS_TIMEOUT_MS})
  --verbose           also print the call's log line on stderr
  -h, --help          this text
`;

const TOOL = { name: 'apply', help: 'npm run apply -- --help' };
function usage(message: string): never {
  return usageError(TOOL, message);
}

async function main(): Promise<void> {
  const values = parseOptions(TOOL, {
    'plugin-appid': { type: 'string' },
    reason: { type: 'string' },
    timeout: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (values['plugin-appid'] === undefined) usage('--plugin-appid is required');
  const timeoutMs = values.timeout === undefined ? DEFAULT_HTTPS_TIMEOUT_MS : Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100) usage('--timeout takes a whole number of milliseconds, at least 100');

  const env = process.env;
  const client = createHttpsClient({
    accessToken: env.WECHAT_ACCESS_TOKEN || undefined,
    appid: env.WECHAT_APPID || undefined,
    secret: env.WECHAT_APPSECRET || undefined,
    baseUrl: env.WECHAT_API_BASE_URL || undefined,
    timeoutMs,
    log: values.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
  });
  const request: { pluginAppid: string; reason?: string } = { pluginAppid: values['plugin-appid'] };
  if (values.reason !== undefined) request.reason = values.reason;
  const result = await client.applyPlugin(request);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (result.errCode === ProjectCode.HTTPS_CREDENTIALS_MISSING) {
    process.stderr.write('apply: no credentials: set WECHAT_ACCESS_TOKEN, or WECHAT_APPID and WECHAT_APPSECRET\n');
  }
  process.exitCode = result.errCode === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`apply failed: ${(error as Error).message}\n`);
  process.exit(1);
});

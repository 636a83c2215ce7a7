import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEMO_MINI_PROGRAM_APPID } from '../emulator/gateway';

/**
 * Invokes a cloud function folder the way WeChat's cloud does: a fresh Node process, the
 * platform's environment variables (pointing wx-server-sdk at a loopback gateway), and an SCF
 * context with a time limit. Used by `npm start`, the end-to-end tests and the benchmark.
 */

/** The repository root, found from here whether this runs from src/ (tests) or dist/ (tools). */
function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'scripts', 'scf-bootstrap.cjs'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no project root above ${from}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
export const BOOTSTRAP = join(PROJECT_ROOT, 'scripts', 'scf-bootstrap.cjs');

export interface CallerIdentity {
  readonly openid?: string;
  /** The platform's SOURCE, e.g. `wx_client`, `wx_http`, `wx_client,scf`. */
  readonly source?: string;
  readonly appid?: string;
}

export interface InvokeOptions {
  readonly functionDir: string;
  readonly event: unknown;
  readonly gatewayUrl: string;
  readonly caller?: CallerIdentity;
  /** The function's timeout as the platform passes it; the platform default is 3000. */
  readonly timeLimitMs?: number;
  /** Variables configured for the function in the cloud console, e.g. ADMIN_OPENIDS. */
  readonly functionEnv?: Readonly<Record<string, string>>;
  /** false: leave out TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN, as on a developer's laptop. */
  readonly platformCredentials?: boolean;
  /** Extra platform variables (e.g. a WeChat cloud token), merged last. */
  readonly platformEnv?: Readonly<Record<string, string>>;
  /** The Node binary; defaults to the one running this code. */
  readonly node?: string;
}

export type InvocationReport =
  | { readonly kind: 'returned'; readonly result: unknown; readonly loadMs: number; readonly callMs: number; readonly maxRssKb: number; readonly loadedFiles: readonly string[] }
  | { readonly kind: 'killed'; readonly loadMs: number }
  | { readonly kind: 'threw'; readonly message: string; readonly loadMs: number }
  | { readonly kind: 'load-failed'; readonly message: string }
  | { readonly kind: 'crashed'; readonly exitCode: number | null; readonly signal: string | null };

export interface InvocationOutcome {
  readonly report: InvocationReport;
  /** What the function wrote (its log lines), as the cloud console would show it. */
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
  /** The platform secrets this invocation was given, so tests can check none leaked. */
  readonly secrets: readonly string[];
}

export const DEMO_ENV_ID = 'demo-env-7g3k2';

export function platformEnvironment(options: InvokeOptions, secrets: { id: string; key: string; token: string }): Record<string, string> {
  const caller = options.caller ?? {};
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TZ: 'Asia/Shanghai',
    TENCENTCLOUD_RUNENV: 'SCF',
    TENCENTCLOUD_REGION: 'ap-shanghai',
    SCF_NAMESPACE: DEMO_ENV_ID,
    SCF_FUNCTIONNAME: options.functionDir.split(/[\\/]/).filter(Boolean).pop() ?? 'function',
    TCB_ENV: DEMO_ENV_ID,
    TCB_CONTEXT_CNFG: JSON.stringify({ URL: options.gatewayUrl }),
    WX_CONTEXT_KEYS: 'WX_OPENID,WX_APPID,WX_UNIONID',
    WX_OPENID: caller.openid ?? '',
    WX_APPID: caller.appid ?? DEMO_MINI_PROGRAM_APPID,
    WX_UNIONID: '',
    TCB_SOURCE: caller.source ?? 'wx_client',
    ...options.functionEnv,
  };
  if (options.platformCredentials !== false) {
    env.TENCENTCLOUD_SECRETID = secrets.id;
    env.TENCENTCLOUD_SECRETKEY = secrets.key;
    env.TENCENTCLOUD_SESSIONTOKEN = secrets.token;
  }
  return { ...env, ...options.platformEnv };
}

export function invokeCloudFunction(options: InvokeOptions): Promise<InvocationOutcome> {
  const secrets = {
    id: `AKID${randomBytes(12).toString('hex')}`,
    key: randomBytes(16).toString('hex'),
    token: randomBytes(24).toString('base64url'),
  };
  const platform = platformEnvironment(options, secrets);
  const context = {
    request_id: randomUUID(),
    time_limit_in_ms: options.timeLimitMs ?? 3000,
    memory_limit_in_mb: 256,
    function_name: platform.SCF_FUNCTIONNAME,
    function_version: '$LATEST',
    namespace: DEMO_ENV_ID,
    callbackWaitsForEmptyEventLoop: false,
  };
  const env = {
    ...platform,
    SCF_BOOTSTRAP_INVOCATION: JSON.stringify({ functionDir: resolve(options.functionDir), event: options.event, context }),
  };
  const started = process.hrtime.bigint();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(options.node ?? process.execPath, [BOOTSTRAP], {
      env,
      cwd: resolve(options.functionDir),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stdout = '';
    let stderr = '';
    let report: InvocationReport | undefined;
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('message', (message) => (report = message as InvocationReport));
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      resolvePromise({
        report: report ?? { kind: 'crashed', exitCode, signal },
        stdout,
        stderr,
        wallMs: Number(process.hrtime.bigint() - started) / 1e6,
        secrets: [secrets.id, secrets.key, secrets.token],
      });
    });
  });
}

/** The APIs a function folder's config.json grants (what the gateway checks). */
export function grantedApis(functionDir: string): string[] {
  try {
    const config = JSON.parse(readFileSync(join(functionDir, 'config.json'), 'utf8')) as { permissions?: { openapi?: unknown } };
    const apis = config.permissions?.openapi;
    return Array.isArray(apis) ? apis.filter((api): api is string => typeof api === 'string') : [];
  } catch {
    return [];
  }
}

/** WeChat's own Node builds, installed by scripts/wechat-node (see the README). */
export const WECHAT_NODE_VERSIONS = ['16', '18'] as const;

export function wechatNodePath(version: (typeof WECHAT_NODE_VERSIONS)[number]): string {
  const path = join(PROJECT_ROOT, 'scripts', 'wechat-node', 'node_modules', `node${version}`, 'bin', 'node');
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm ci (its postinstall installs WeChat's Node builds)`);
  return path;
}

/** `--node 16`, `--node 18` or a path to a node binary, as the tools take it. */
export function nodeFromOption(option: string | undefined): string | undefined {
  if (option === undefined) return undefined;
  if ((WECHAT_NODE_VERSIONS as readonly string[]).includes(option)) return wechatNodePath(option as '16' | '18');
  if (!existsSync(option)) throw new Error(`--node takes 16, 18 or the path of a node binary, got ${JSON.stringify(option)}`);
  return resolve(option);
}

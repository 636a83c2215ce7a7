import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import RUNTIMES_TABLE from '../../scripts/wechat-node/runtimes.json';
import { DEMO_MINI_PROGRAM_APPID } from '../core/demo';

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
  /** Set for a cross-account call: the calling mini-program's appid (FROM_APPID). */
  readonly fromAppid?: string;
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

export function platformEnvironment(options: InvokeOptions, secrets: { id: string; key: string; token: string; wxApiToken?: string }): Record<string, string> {
  const caller = options.caller ?? {};
  const credentials = options.platformCredentials !== false;
  // What a real client invocation sets (../shared/reference/cloud-functions.md): the context keys,
  // the caller's identity, and a WeChat cloud API token, which the SDK sends along. A laptop has
  // neither the platform's credentials nor that token.
  const contextKeys = ['WX_CLIENTIP', 'WX_CLIENTIPV6', 'WX_APPID', 'WX_OPENID', ...(credentials ? ['WX_API_TOKEN'] : []), ...(caller.fromAppid ? ['WX_FROM_APPID', 'WX_FROM_OPENID'] : [])];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // Windows: Node cannot open sockets without SystemRoot (reasoned, not run here).
    ...(process.platform === 'win32' && process.env.SystemRoot ? { SystemRoot: process.env.SystemRoot } : {}),
    TZ: 'Asia/Shanghai',
    TENCENTCLOUD_RUNENV: 'SCF',
    TENCENTCLOUD_REGION: 'ap-shanghai',
    SCF_NAMESPACE: DEMO_ENV_ID,
    SCF_FUNCTIONNAME: options.functionDir.split(/[\\/]/).filter(Boolean).pop() ?? 'function',
    TCB_ENV: DEMO_ENV_ID,
    TCB_CONTEXT_CNFG: JSON.stringify({ URL: options.gatewayUrl }),
    TRIGGER_SRC: 'tcb',
    WX_CONTEXT_KEYS: contextKeys.join(','),
    WX_CLIENTIP: '10.8.0.23',
    WX_CLIENTIPV6: '::ffff:10.8.0.23',
    WX_OPENID: caller.openid ?? '',
    WX_APPID: caller.appid ?? DEMO_MINI_PROGRAM_APPID,
    ...(caller.fromAppid ? { WX_FROM_APPID: caller.fromAppid, WX_FROM_OPENID: 'oFromAnotherAccount_000000001' } : {}),
    TCB_SOURCE: caller.source ?? 'wx_client',
    ...options.functionEnv,
  };
  if (credentials) {
    env.TENCENTCLOUD_SECRETID = secrets.id;
    env.TENCENTCLOUD_SECRETKEY = secrets.key;
    env.TENCENTCLOUD_SESSIONTOKEN = secrets.token;
    env.WX_API_TOKEN = secrets.wxApiToken ?? `wxapitoken_${secrets.token}`;
  }
  return { ...env, ...options.platformEnv };
}

export function invokeCloudFunction(options: InvokeOptions): Promise<InvocationOutcome> {
  const secrets = {
    id: `AKID${randomBytes(12).toString('hex')}`,
    key: randomBytes(16).toString('hex'),
    token: randomBytes(24).toString('base64url'),
    wxApiToken: `wxapitoken_${randomBytes(24).toString('hex')}`,
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
    // The first report is the outcome (the bootstrap sends one; a late answer after a kill is lost).
    child.on('message', (message) => (report ??= message as InvocationReport));
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      resolvePromise({
        report: report ?? { kind: 'crashed', exitCode, signal },
        stdout,
        stderr,
        wallMs: Number(process.hrtime.bigint() - started) / 1e6,
        secrets: [secrets.id, secrets.key, secrets.token, secrets.wxApiToken],
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

/**
 * The Node builds of the runtimes WeChat's cloud offers (scripts/wechat-node/runtimes.json: exact
 * version, runtime, V8 version, and the platforms npm publishes each for), installed by
 * scripts/wechat-node where npm has them. Every one is an optional dependency, so `npm ci` skips it
 * on other platforms instead of failing. test/unit/wechat-node.test.ts keeps the table, that
 * package.json and its lock file in step.
 */
export interface WechatNodeBuild {
  /** The exact Node version, e.g. `20.19.6`. */
  readonly version: string;
  /** The cloud's runtime it stands for, e.g. `20.19` (Nodejs20.19). */
  readonly runtime: string;
  /** process.versions.v8 without Node's `-node.N` suffix: what a V8 code cache is keyed by. */
  readonly v8: string;
  /** `${process.platform}-${process.arch}` values npm has this build for. */
  readonly platforms: readonly string[];
  /** The cloud offers this runtime as a beta. */
  readonly beta?: boolean;
}
export const WECHAT_NODE_BUILDS: readonly WechatNodeBuild[] = RUNTIMES_TABLE.builds;
export const WECHAT_NODE_VERSIONS: readonly string[] = WECHAT_NODE_BUILDS.map((build) => build.version);
/** An exact version from WECHAT_NODE_VERSIONS, e.g. `18.15.0`. */
export type WechatNodeVersion = string;

/** The optional dependency scripts/wechat-node installs `version` under on `platform`. */
export const packageAlias = (version: string, platform: string): string => (platform === 'linux-x64' ? `node${version}` : `node${version}-${platform}`);

function buildOf(version: WechatNodeVersion): WechatNodeBuild {
  const build = WECHAT_NODE_BUILDS.find((candidate) => candidate.version === version);
  if (build === undefined) throw new Error(`no WeChat Node build ${version} (known: ${WECHAT_NODE_VERSIONS.join(', ')})`);
  return build;
}

export const THIS_PLATFORM = `${process.platform}-${process.arch}`;

/** Where WeChat's Node build `version` is on this machine, or why it is not there. */
export type WechatNodeLookup =
  | { readonly path: string }
  | { readonly path: undefined; readonly reason: string; readonly published: boolean };

export function findWechatNode(version: WechatNodeVersion, platform = THIS_PLATFORM, exists: (path: string) => boolean = existsSync): WechatNodeLookup {
  const { platforms } = buildOf(version);
  if (!platforms.includes(platform)) {
    return {
      path: undefined,
      published: false,
      reason: `npm has no build of WeChat's Node ${version} for ${platform} (only for ${platforms.join(', ')}), so npm ci does not install one here`,
    };
  }
  const path = join(PROJECT_ROOT, 'scripts', 'wechat-node', 'node_modules', packageAlias(version, platform), 'bin', 'node');
  if (!exists(path)) {
    return {
      path: undefined,
      published: true,
      reason: `${path} is missing: run npm ci (its prepare script installs WeChat's Node ${version} for ${platform} into scripts/wechat-node; npm skips optional packages silently when their download fails)`,
    };
  }
  return { path };
}

/**
 * `--node` as the tools take it: a runtime (`16`, `20`, `16.13`, `22.21`: the newest installed
 * build of it), an exact build (`16.13.0`), or the path of any node binary.
 */
export function nodeFromOption(option: string | undefined, platform = THIS_PLATFORM, exists: (path: string) => boolean = existsSync): string | undefined {
  if (option === undefined) return undefined;
  const builds = WECHAT_NODE_BUILDS.filter((build) => build.version === option || build.runtime === option || build.runtime.split('.')[0] === option);
  if (builds.length > 0) {
    const lookups = [...builds].reverse().map((build) => findWechatNode(build.version, platform, exists));
    const found = lookups.find((lookup) => lookup.path !== undefined);
    if (found?.path !== undefined) return found.path;
    throw new Error(`--node ${option}: ${(lookups[0] as { reason: string }).reason}. Pass the path of a node binary instead.`);
  }
  if (!exists(option)) {
    const runtimes = [...new Set(WECHAT_NODE_BUILDS.map((build) => build.runtime.split('.')[0]))].join('|');
    throw new Error(`--node takes ${runtimes}, a runtime such as 20.19, an exact build such as ${WECHAT_NODE_VERSIONS[0]}, or the path of a node binary; got ${JSON.stringify(option)}`);
  }
  return resolve(option);
}

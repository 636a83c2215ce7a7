/**
 * Helpers for the batch end-to-end suites: the built CLI as a child process (started, watched,
 * killed), and checks over the emulator's call log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ComponentControl } from '../../src/emulator/component-api';
import { authorizerAppid, DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET } from '../../src/emulator/component-world';
import type { CallLogEntry } from '../../src/emulator/component-call-log';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import type { ToolRun } from './run-tool';

export function componentEnv(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    WECHAT_API_BASE_URL: url,
    WECHAT_COMPONENT_APPID: DEMO_COMPONENT_APPID,
    WECHAT_COMPONENT_SECRET: DEMO_COMPONENT_SECRET,
    WECHAT_COMPONENT_VERIFY_TICKET: FIRST_TICKET,
    ...extra,
  };
}

export interface Started {
  readonly child: ChildProcess;
  readonly done: Promise<ToolRun>;
}

/** `NODE dist/wxplugin.js ARGS`, running; `done` settles when it exits (stdout and stderr whole). */
export function startCli(args: readonly string[], env: Record<string, string>, node = process.execPath): Started {
  const child = spawn(node, [join(PROJECT_ROOT, 'dist', 'wxplugin.js'), ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<ToolRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Most entries in any window [t, t + ms). */
export function busiestWindow(times: readonly number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; end < sorted.length; end += 1) {
    while (sorted[end]! - sorted[start]! >= ms) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** Most entries in any one-second window [t, t + 1000). */
export const busiestSecond = (times: readonly number[]): number => busiestWindow(times, 1000);

/**
 * The window a run's rate bound is judged over in the emulator's log. The limiter spaces its slots
 * for 95 % of the rate (limiter.ts), and the log records when each call arrived, not its slot: a
 * call delayed by load lands later than its slot. In a window of W seconds at most (W + D) x 0.95 x
 * rate + 1 calls can land when none is more than D late; over one second that breaks with D above
 * about 50 ms (a loaded machine: 407 calls in one second at a rate of 400, seen once), over ten
 * seconds only with D above half a second. Ten seconds x rate is then the promise, held under load.
 */
export const RATE_WINDOW_MS = 10_000;

/** Per authoriser: how many plugin calls reached WeChat, and how many of them succeeded. */
export function callsByAuthorizer(calls: readonly CallLogEntry[]): Map<string, { calls: number; successes: number }> {
  const by = new Map<string, { calls: number; successes: number }>();
  for (const call of calls) {
    const entry = by.get(call.authorizer) ?? { calls: 0, successes: 0 };
    entry.calls += 1;
    if (call.errcode === 0) entry.successes += 1;
    by.set(call.authorizer, entry);
  }
  return by;
}

export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * The call log against the rule "done at most once with success": the authorisers whose count of
 * successful calls is not exactly one (set 40 granted) or zero (not granted), and how many were
 * called more than once (work redone after a crash).
 */
export function checkOnceEach(component: ComponentControl, count: number): { readonly wrong: string[]; readonly redone: number } {
  const by = callsByAuthorizer(component.calls());
  const wrong: string[] = [];
  let redone = 0;
  for (let index = 0; index < count; index += 1) {
    const appid = authorizerAppid(index);
    const entry = by.get(appid);
    if ((entry?.successes ?? 0) !== (component.world.grantsPluginManagement(appid) ? 1 : 0)) wrong.push(appid);
    if (entry && entry.calls > 1) redone += 1;
  }
  return { wrong, redone };
}

/** The authorisers whose refresh token in the store (rows of wxplugin_batch.token) is not the one WeChat holds now. */
export function lostRefreshTokens(rows: ReadonlyArray<{ name: string; value: string }>, component: ComponentControl, count: number): string[] {
  const stored = new Map(rows.map((row) => [row.name, row.value]));
  return [...Array(count).keys()].map(authorizerAppid).filter((appid) => stored.get(appid) !== component.world.refreshToken(appid));
}

/**
 * A --json report of a run over the emulator's platform (one in ten without set 40, apply): one
 * object per authoriser, then the totals. An authoriser whose success a crash kept from being
 * recorded was called again and met "already added" (89237): it counts as already so.
 */
export function checkApplyReport(stdout: string, count: number): { readonly lines: Array<Record<string, unknown>>; readonly summary: Record<string, unknown> } {
  const lines = jsonLines(stdout);
  const summary = lines.pop()!;
  const refused = count / 10;
  expect(summary).toEqual({ run: expect.any(String), total: count, succeeded: expect.any(Number), alreadyDone: expect.any(Number), notAuthorised: refused, deferred: 0, failed: 0 });
  expect((summary.succeeded as number) + (summary.alreadyDone as number)).toBe(count - refused);
  expect(lines).toHaveLength(count);
  expect(new Set(lines.map((line) => line.authorizer)).size).toBe(count);
  return { lines, summary };
}

/** The refresh tokens an embedded store holds, read by a child process (PGlite cannot load inside jest's VM). */
export async function readEmbeddedRefreshTokens(dataDir: string): Promise<Array<{ name: string; value: string }>> {
  const script = `const { PGlite } = require('@electric-sql/pglite');
    (async () => {
      const db = await PGlite.create(${JSON.stringify(dataDir)});
      const { rows } = await db.query("SELECT name, value FROM wxplugin_batch.token WHERE kind = 'refresh'");
      await db.close();
      process.stdout.write(JSON.stringify(rows));
    })();`;
  const child = spawn(process.execPath, ['-e', script], { cwd: PROJECT_ROOT });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`reading the store failed (${code})`);
  return JSON.parse(stdout) as Array<{ name: string; value: string }>;
}

/**
 * Helpers for the batch end-to-end suites: the built CLI as a child process (started, watched,
 * killed), and checks over the emulator's call log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET } from '../../src/emulator/component-world';
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

/** `node dist/wxplugin.js ARGS`, running; `done` settles when it exits (stdout and stderr whole). */
export function startCli(args: readonly string[], env: Record<string, string>): Started {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist', 'wxplugin.js'), ...args], { env });
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

/** Most entries in any one-second window [t, t + 1000). */
export function busiestSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; end < sorted.length; end += 1) {
    while (sorted[end]! - sorted[start]! >= 1000) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

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

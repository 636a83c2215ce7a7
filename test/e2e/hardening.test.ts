/**
 * Issue "Trust only what the platform guarantees, and answer on time whatever WeChat sends", on the
 * committed bundles: real SDK, child processes, a gateway that misbehaves.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ProjectCode } from '../../src/core/codes';
import type { Emulator } from '../../src/emulator/gateway';
import { platformEnvironment, PROJECT_ROOT } from '../../src/platform/invoke';
import { ADMIN, apply, FUNCTION_DIR, manage, OPEN_PLUGIN, withEmulator } from '../support/harness';

jest.setTimeout(60_000);

const event = { pluginAppid: OPEN_PLUGIN, reason: 'hardening' };

describe('who may call', () => {
  test('an HTTP-access event is refused first, with its own code, even for an administrator', () =>
    withEmulator(async (emulator) => {
      const gatewayEvent = { httpMethod: 'POST', path: '/apply', headers: { host: 'x.tcloudbase.com' }, body: JSON.stringify(event), isBase64Encoded: false, pluginAppid: OPEN_PLUGIN };
      for (const run of [apply, manage]) {
        const { result } = await run(emulator, { event: gatewayEvent });
        expect(result).toMatchObject({ errCode: ProjectCode.HTTP_ACCESS_REFUSED, attempts: 0 });
      }
      expect(emulator.calls).toEqual([]);
    }));

  test('a cross-account call is refused, saying so, with nothing sent', () =>
    withEmulator(async (emulator) => {
      const { result } = await manage(emulator, { event: { action: 'list' }, caller: { openid: ADMIN, source: 'wx_client', fromAppid: 'wx9999999999999999' } });
      expect(result).toMatchObject({ errCode: ProjectCode.CROSS_ACCOUNT_REFUSED, attempts: 0 });
      expect(result.errMsg).toContain('cross-account call');
      expect(emulator.calls).toEqual([]);
    }));

  test('an all-digit OPENID (a number from getWXContext) is an administrator when listed, and the log line is written', () =>
    withEmulator(async (emulator) => {
      const { result, log } = await apply(emulator, { event, caller: { openid: '1234567890123', source: 'wx_client' }, functionEnv: { ADMIN_OPENIDS: '1234567890123' } });
      expect(result).toEqual({ errCode: 0, errMsg: 'applyPlugin:ok', retryable: false, attempts: 1 });
      expect(log).toMatchObject({ errCode: 0, openid: '1234…23' });
    }));
});

describe("WeChat's answer, whatever it is", () => {
  test.each(['[1,2]', '"ok"', 'null'])('a JSON %s through the SDK is not a success (nor "WeChat is busy")', (body) =>
    withEmulator(async (emulator) => {
      emulator.faults.add({ kind: 'json', body, times: Infinity });
      const { result } = await apply(emulator, { event });
      expect(result).toMatchObject({ errCode: ProjectCode.UNEXPECTED_ANSWER, attempts: 1 });
    }));

  test('a 1 MB errmsg: answered before the 3 s limit, redacted and bounded', () =>
    withEmulator(async (emulator) => {
      const errmsg = `${'x.'.repeat(300_000)} 10.1.2.3 ${'fd00::1 '.repeat(50_000)}`;
      emulator.faults.add({ kind: 'errcode', errcode: 61234, errmsg, times: Infinity });
      const outcome = await apply(emulator, { event, timeLimitMs: 3000 });
      expect(outcome.result).toMatchObject({ errCode: 61234, attempts: 1 });
      expect(outcome.result.errMsg.length).toBeLessThan(600);
      expect(outcome.result.errMsg).not.toContain('10.1.2.3');
      expect(outcome.report.kind === 'returned' && outcome.report.callMs).toBeLessThan(3000);
    }));
});

describe('a warm container against a gateway that never answers', () => {
  function warm(emulator: Emulator, times: number, timeLimitMs: number): Promise<{ codes: Record<string, number>; slowestMs: number; openConnections: number }> {
    const env = {
      ...platformEnvironment({ functionDir: FUNCTION_DIR, event, gatewayUrl: emulator.gatewayUrl, caller: { openid: ADMIN, source: 'wx_client' }, functionEnv: { ADMIN_OPENIDS: ADMIN } }, { id: 'AKIDwarm', key: 'warm-key', token: 'warm-token' }),
      WARM_INVOKE: JSON.stringify({ functionDir: FUNCTION_DIR, event, times, timeLimitMs }),
    };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(PROJECT_ROOT, 'test', 'support', 'warm-invoke.cjs')], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      // The connections are counted while the process is still alive: a dead process closes everything.
      child.on('message', (message) => {
        // Give the destroyed sockets' FIN a moment to reach the server side.
        setTimeout(() => {
          resolve({ ...(message as { codes: Record<string, number>; slowestMs: number }), openConnections: emulator.openConnections() });
          child.send('done');
        }, 200);
      });
      child.on('error', reject);
    });
  }

  test('timed-out attempts release their sockets: none stays open after 30 invocations', () =>
    withEmulator(async (emulator) => {
      emulator.faults.add({ kind: 'silent', times: Infinity });
      const report = await warm(emulator, 30, 600);
      // Our deadline or the SDK's own request timeout (set to the attempt's budget) ends each one,
      // whichever timer a busy machine runs first: both are "no answer in time", never a success.
      const codes = Object.keys(report.codes).map(Number);
      expect(codes.filter((code) => code !== ProjectCode.DEADLINE_EXCEEDED && code !== -501001)).toEqual([]);
      expect(Object.values(report.codes).reduce((sum, count) => sum + count, 0)).toBe(30);
      expect(report.slowestMs).toBeLessThan(600);
      expect(report.openConnections).toBe(0);
    }));
});

/**
 * A representative part of the end-to-end suite on each Node build WeChat runs: the straight path,
 * a retry, a silent gateway under the shortest common time limit, missing platform credentials
 * (the SDK defect that kills the process), and refused input.
 */
import { ProjectCode } from '../../src/core/codes';
import { apply, describeEachWechatNode, OPEN_PLUGIN, withEmulator } from '../support/harness';
import { runTool } from '../support/run-tool';
import { WECHAT_NODES } from '../support/wechat-node';

jest.setTimeout(30_000);

describeEachWechatNode('on %s', (_name, node) => {
  const event = { pluginAppid: OPEN_PLUGIN, reason: 'runtime check' };

  test('the straight path, from the V8 code cache made for this V8 (the log line says V8 took it)', () =>
    withEmulator(async (emulator) => {
      const outcome = await apply(emulator, { event, node });
      expect(outcome.result).toEqual({ errCode: 0, errMsg: 'applyPlugin:ok', retryable: false, attempts: 1 });
      expect(outcome.log).toMatchObject({ errCode: 0, cachedDataRejected: false });
      expect(emulator.calls[0]!.fields).toEqual({ action: 'apply', plugin_appid: OPEN_PLUGIN, reason: 'runtime check' });
    }));

  test('-1 then success', () =>
    withEmulator(async (emulator) => {
      emulator.faults.add({ kind: 'errcode', errcode: -1 });
      expect((await apply(emulator, { event, node })).result).toMatchObject({ errCode: 0, attempts: 2 });
    }));

  test('a silent gateway with a 1000 ms limit', () =>
    withEmulator(async (emulator) => {
      emulator.faults.add({ kind: 'silent', times: Infinity });
      expect((await apply(emulator, { event, node, timeLimitMs: 1000 })).result).toMatchObject({ errCode: ProjectCode.DEADLINE_EXCEEDED });
    }));

  test('missing platform credentials: the process survives', () =>
    withEmulator(async (emulator) => {
      expect((await apply(emulator, { event, node, platformCredentials: false })).result).toMatchObject({ errCode: ProjectCode.CREDENTIALS_MISSING });
    }));

  test('bad input reaches nothing', () =>
    withEmulator(async (emulator) => {
      expect((await apply(emulator, { event: { pluginAppid: 'WX0123' }, node })).result).toMatchObject({ errCode: ProjectCode.INVALID_APPID });
      expect(emulator.calls).toEqual([]);
    }));
});

describe('npm start -- --node RUNTIME runs the functions on that runtime\'s WeChat build', () => {
  const runtimes = [...new Set(WECHAT_NODES.filter((node) => node.path !== undefined).map((node) => node.version.split('.')[0]!))];
  test.each(runtimes)('--node %s', async (major) => {
    const { code, stdout, stderr } = await runTool('start.js', ['--node', major, '--action', 'apply']);
    expect(code).toBe(0);
    expect(stdout).toContain('"errMsg": "applyPlugin:ok"');
    // Loaded from the cache made for that build's V8 (this machine's own node may have none).
    expect(stderr).toMatch(/^Function log: \{.*"errCode":0,.*"cachedDataRejected":false\}$/im);
  });
});

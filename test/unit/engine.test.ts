import { ProjectCode } from '../../src/core/codes';
import { readConfig } from '../../src/core/config';
import { safetyMarginMs } from '../../src/core/deadline';
import { runOperation, type EngineDeps, type OperationResult } from '../../src/core/engine';
import { OperationError } from '../../src/core/errors';
import { remoteError } from '../../src/core/remote';
import { CLOUD_FUNCTIONS } from '../../src/core/operations';
import { scriptedTransport, type Step } from '../support/fake-transport';

/** The applyPlugin function's route: its one operation, `action` optional. */
const applyPlugin = CLOUD_FUNCTIONS.applyPlugin;

const ADMIN = 'oAdmin00000000000000000000001';
const event = { pluginAppid: 'wx0123456789abcdef', reason: 'maps' };
const caller = { openid: ADMIN, source: 'wx_client' };

function setup(steps: Step[], overrides: Partial<EngineDeps> = {}) {
  const transport = scriptedTransport(steps);
  const lines: string[] = [];
  let transportsMade = 0;
  const deps: EngineDeps = {
    transport: () => {
      transportsMade += 1;
      return transport;
    },
    config: readConfig({ ADMIN_OPENIDS: ADMIN }),
    log: (line) => lines.push(line),
    random: () => 0.5,
    ...overrides,
  };
  return { transport, lines, deps, transportsMade: () => transportsMade };
}

describe('the engine', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => jest.useRealTimers());

  async function run(steps: Step[], timeLimitMs = 3000, overrides: Partial<EngineDeps> = {}) {
    const context = setup(steps, overrides);
    const pending = runOperation(applyPlugin, { event, caller, timeLimitMs, requestId: 'req-1' }, context.deps);
    await jest.runAllTimersAsync();
    const result: OperationResult = await pending;
    return { ...context, result, log: JSON.parse(context.lines[0]!) as Record<string, unknown> };
  }

  test('success: one attempt, the wire body, the ok message', async () => {
    const { result, transport } = await run(['ok']);
    expect(result).toEqual({ errCode: 0, errMsg: 'applyPlugin:ok', retryable: false, attempts: 1 });
    expect(transport.sent).toEqual([
      { api: 'pluginManager.applyPlugin', path: '/wxa/plugin', body: { action: 'apply', plugin_appid: event.pluginAppid, reason: 'maps' }, timeoutMs: 3000 - safetyMarginMs(3000), at: 1_700_000_000_000 },
    ]);
  });

  test('a business code is answered at once, never retried', async () => {
    const { result, transport } = await run([89236, 'ok']);
    expect(result).toMatchObject({ errCode: 89236, retryable: false, attempts: 1 });
    expect(result.errMsg).toBe('applyPlugin:fail this plugin does not accept applications: ask the plugin developer to open it to applications, or choose another plugin (该插件不能申请)');
    expect(transport.sent).toHaveLength(1);
  });

  test('-1 is retried after a backoff, and the retry can succeed', async () => {
    const { result, transport } = await run([-1, 'ok']);
    expect(result).toMatchObject({ errCode: 0, attempts: 2 });
    // random() = 0.5 -> three quarters of the nominal 100 ms.
    expect(transport.sent[1]!.at - transport.sent[0]!.at).toBe(75);
  });

  test('at most three attempts, then the last failure, marked retryable', async () => {
    const { result, transport } = await run([-1]);
    expect(result).toMatchObject({ errCode: -1, retryable: true, attempts: 3 });
    expect(transport.sent).toHaveLength(3);
  });

  test('each attempt is told the time left', async () => {
    const { transport } = await run([-501001, -501001, 'ok']);
    const budget = 3000 - safetyMarginMs(3000);
    expect(transport.sent.map((s) => s.timeoutMs)).toEqual([budget, budget - 75, budget - 75 - 150]);
  });

  test('a gateway that never answers: DEADLINE_EXCEEDED at the deadline, a margin before the time limit', async () => {
    const context = setup(['hang']);
    const start = Date.now();
    let settledAt = 0;
    const pending = runOperation(applyPlugin, { event, caller, timeLimitMs: 3000 }, context.deps).then((result) => {
      settledAt = Date.now();
      return result;
    });
    await jest.advanceTimersByTimeAsync(3000 - safetyMarginMs(3000) - 1);
    expect(settledAt).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    const result = await pending;
    expect(settledAt - start).toBe(3000 - safetyMarginMs(3000));
    expect(result).toMatchObject({ errCode: ProjectCode.DEADLINE_EXCEEDED, retryable: true, attempts: 1 });
  });

  test.each([1000, 3000, 5000, 60_000])('the safety margin for a %i ms limit leaves time to answer', (limit) => {
    const margin = safetyMarginMs(limit);
    expect(margin).toBeGreaterThanOrEqual(250);
    expect(margin).toBeLessThanOrEqual(1000);
    expect(margin).toBeLessThan(limit / 2);
  });

  test('no retry is started that could not finish before the deadline', async () => {
    // 1000 ms limit -> 750 ms budget. The first attempt fails at 600 ms; a retry would start at
    // 675 ms with 75 ms left, less than the 300 ms an attempt needs.
    const failLate = {
      send: () => new Promise<Record<string, unknown>>((_resolve, reject) => setTimeout(() => reject(new OperationError(-1)), 600)),
    };
    const context = setup([], { transport: () => failLate });
    const pending = runOperation(applyPlugin, { event, caller, timeLimitMs: 1000 }, context.deps);
    await jest.runAllTimersAsync();
    expect(await pending).toMatchObject({ errCode: -1, attempts: 1, retryable: true });
  });

  test('an invalid request never creates a transport', async () => {
    const context = setup(['ok']);
    const result = await runOperation(applyPlugin, { event: { pluginAppid: 'nope' }, caller, timeLimitMs: 3000 }, context.deps);
    expect(result).toMatchObject({ errCode: ProjectCode.INVALID_APPID, attempts: 0 });
    expect(context.transportsMade()).toBe(0);
  });

  test('an unauthorised caller never creates a transport', async () => {
    const context = setup(['ok']);
    const result = await runOperation(applyPlugin, { event, caller: { openid: 'oNobody', source: 'wx_client' }, timeLimitMs: 3000 }, context.deps);
    expect(result).toMatchObject({ errCode: ProjectCode.NOT_ADMIN, attempts: 0 });
    expect(context.transportsMade()).toBe(0);
  });

  test('a transport that throws something untyped is reported as INTERNAL, not thrown', async () => {
    const broken = { send: () => Promise.reject(new TypeError('x is not a function')) };
    const { result, log } = await run([], 3000, { transport: () => broken });
    expect(result).toMatchObject({ errCode: ProjectCode.INTERNAL, attempts: 1, retryable: false });
    expect(log.level).toBe('error');
    expect(log.cause).toBe('x is not a function');
  });

  test('a transport factory that throws is reported as INTERNAL, not thrown', async () => {
    const { result } = await run([], 3000, {
      transport: () => {
        throw new Error('cannot load');
      },
    });
    expect(result.errCode).toBe(ProjectCode.INTERNAL);
  });

  test('89237 after an attempt that may have been delivered says so', async () => {
    const lost = new OperationError(-501001, { maybeDelivered: true });
    const { result } = await run([lost, 89237]);
    expect(result).toMatchObject({ errCode: 89237, attempts: 2 });
    expect(result.errMsg).toContain('an earlier attempt in this call may have been the one that applied');
  });

  test.each([-604102, -501002, -1, -604103])('89237 after %i (a timeout or system error on the way) says so too', async (code) => {
    const { result } = await run([remoteError(code, 'x'), 89237]);
    expect(result).toMatchObject({ errCode: 89237, attempts: 2 });
    expect(result.errMsg).toContain('an earlier attempt in this call may have been the one that applied');
  });

  test('89237 after an attempt that was certainly not delivered does not', async () => {
    const refused = new OperationError(-501001, { maybeDelivered: false });
    const { result } = await run([refused, 89237]);
    expect(result.errMsg).not.toContain('earlier attempt');
  });
});

describe('the log line', () => {
  test('has fixed keys, a masked OPENID and no event, reason or secret', async () => {
    const secret = 'AKIDsecretsecretsecret0123456789';
    const { deps, lines } = setup([new OperationError(-501001, { cause: { errMsg: `fail 502 | [http://10.0.0.1/admin?env=e1&seqId=9] key ${secret}` } })], {
      backoff: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, minAttemptMs: 1 },
    });
    const previous = process.env.TENCENTCLOUD_SECRETKEY;
    process.env.TENCENTCLOUD_SECRETKEY = secret;
    try {
      await runOperation(applyPlugin, { event: { ...event, reason: 'confidential roadmap' }, caller, timeLimitMs: 3000, requestId: 'req-9' }, deps);
    } finally {
      if (previous === undefined) delete process.env.TENCENTCLOUD_SECRETKEY;
      else process.env.TENCENTCLOUD_SECRETKEY = previous;
    }
    expect(lines).toHaveLength(1);
    const log = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(log)).toEqual(['level', 'operation', 'action', 'requestId', 'errCode', 'attempts', 'durationMs', 'source', 'openid', 'pluginAppid', 'cause']);
    expect(log).toMatchObject({ level: 'warn', requestId: 'req-9', errCode: -501001, attempts: 1, pluginAppid: event.pluginAppid, openid: 'oAdm…01' });
    expect(lines[0]).not.toContain('confidential');
    expect(lines[0]).not.toContain(secret);
    expect(lines[0]).not.toContain('10.0.0.1');
    expect(lines[0]).not.toContain(ADMIN);
  });

  test('an invalid request logs no appid', async () => {
    const { deps, lines } = setup(['ok']);
    await runOperation(applyPlugin, { event: { pluginAppid: 'not an appid' }, caller: { openid: undefined, source: undefined }, timeLimitMs: 3000 }, deps);
    const log = JSON.parse(lines[0]!);
    expect(log).toMatchObject({ operation: 'applyPlugin', action: 'apply', openid: null, source: null, requestId: null, cause: null });
    expect(log).not.toHaveProperty('pluginAppid');
  });
});

describe('messages and operations beyond applyPlugin', () => {
  test('an error with an uncatalogued code and no detail still reads as a sentence', async () => {
    const { deps } = setup([new OperationError(12345)]);
    const result = await runOperation(applyPlugin, { event, caller, timeLimitMs: 3000 }, deps);
    expect(result.errMsg).toBe('applyPlugin:fail error 12345');
  });

  test('every operation is for administrators: a read is refused to anyone else, with nothing sent', async () => {
    const { deps, transport } = setup(['ok']);
    const result = await runOperation(CLOUD_FUNCTIONS.pluginManager, { event: { action: 'list' }, caller: { openid: 'oAnyone', source: 'wx_client' }, timeLimitMs: 3000 }, deps);
    expect(result).toMatchObject({ errCode: ProjectCode.NOT_ADMIN, errMsg: expect.stringMatching(/^getPluginList:fail /), attempts: 0 });
    expect(transport.sent).toEqual([]);
  });

  test('a read operation returns WeChat\'s fields, camelCased, after the four keys', async () => {
    const answer = { plugin_list: [{ appid: 'wx1111111111111111', status: 1, nickname: 'n', headimgurl: 'h', new_field: 'kept' }] };
    const { deps, transport, lines } = setup([{ answer }]);
    const result = await runOperation(CLOUD_FUNCTIONS.pluginManager, { event: { action: 'list' }, caller, timeLimitMs: 3000 }, deps);
    expect(result).toEqual({ errCode: 0, errMsg: 'getPluginList:ok', retryable: false, attempts: 1, pluginList: [{ appid: 'wx1111111111111111', status: 1, nickname: 'n', headimgurl: 'h', newField: 'kept' }] });
    expect(Object.keys(result).slice(0, 4)).toEqual(['errCode', 'errMsg', 'retryable', 'attempts']);
    expect(transport.sent[0]).toMatchObject({ api: 'pluginManager.getPluginList', path: '/wxa/plugin', body: { action: 'list' } });
    expect(JSON.parse(lines[0]!)).toMatchObject({ operation: 'getPluginList', action: 'list' });
  });

  test('an answer cannot overwrite the four keys', async () => {
    const { deps } = setup([{ answer: { plugin_list: [], err_code: 5, attempts: 9, errCode: 7 } }]);
    const result = await runOperation(CLOUD_FUNCTIONS.pluginManager, { event: { action: 'list' }, caller, timeLimitMs: 3000 }, deps);
    expect(result).toMatchObject({ errCode: 0, attempts: 1, pluginList: [] });
  });

  test('an answer the operation cannot read is -930203, never a success without data', async () => {
    const { deps } = setup([{ answer: { plugin_list: 'nope' } }]);
    const result = await runOperation(CLOUD_FUNCTIONS.pluginManager, { event: { action: 'list' }, caller, timeLimitMs: 3000 }, deps);
    expect(result).toMatchObject({ errCode: ProjectCode.UNEXPECTED_ANSWER, attempts: 1 });
    expect(result).not.toHaveProperty('pluginList');
    expect(result.errMsg).toBe('getPluginList:fail the answer carried no WeChat result code (plugin_list is a string, not a list), so whether WeChat acted on it is unknown: nothing was changed: list again');
  });

  test('an unknown action names the function in errMsg', async () => {
    const { deps, lines } = setup(['ok']);
    const result = await runOperation(CLOUD_FUNCTIONS.pluginManager, { event: { action: 'nope' }, caller, timeLimitMs: 3000 }, deps);
    expect(result).toMatchObject({ errCode: ProjectCode.INVALID_ACTION, attempts: 0 });
    expect(result.errMsg).toMatch(/^pluginManager:fail action "nope" is not one of this function's: pass one of "apply", "list", "unbind", "update"$/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ operation: 'pluginManager', action: null });
  });

  test('WeChat\'s answer survives a log line that cannot be written, and a second line says so', async () => {
    const written: string[] = [];
    let calls = 0;
    const log = (line: string) => {
      calls += 1;
      if (calls === 1) throw new Error('disk full');
      written.push(line);
    };
    const { deps } = setup(['ok'], { log });
    const result = await runOperation(applyPlugin, { event, caller, timeLimitMs: 3000 }, deps);
    expect(result).toEqual({ errCode: 0, errMsg: 'applyPlugin:ok', retryable: false, attempts: 1 });
    expect(JSON.parse(written[0]!)).toMatchObject({ level: 'error', cause: 'the log line could not be written: Error' });
  });

  test('an all-digit OPENID (a number from getWXContext) is compared and logged as text', async () => {
    const { deps, lines } = setup(['ok'], { config: readConfig({ ADMIN_OPENIDS: '1234567890123' }) });
    const numeric = { openid: 1234567890123 as unknown as string, source: 'wx_client' };
    const result = await runOperation(applyPlugin, { event, caller: numeric, timeLimitMs: 3000 }, deps);
    expect(result.errCode).toBe(ProjectCode.NOT_ADMIN);
    expect(result.openid).toBe('1234567890123');
    expect(JSON.parse(lines[0]!).openid).toBe('1234…23');
  });

  test('a cause with neither code nor message is still described', async () => {
    const { deps, lines } = setup([new OperationError(-604101, { cause: 'plain string cause' })]);
    await runOperation(applyPlugin, { event, caller, timeLimitMs: 3000 }, deps);
    expect(JSON.parse(lines[0]!).cause).toBe('plain string cause');
  });
});

describe('edges of the budget and of refusals', () => {
  test('a time limit shorter than the safety margin sends nothing and says so', async () => {
    const { deps, transport } = setup(['ok']);
    const result = await runOperation(applyPlugin, { event, caller, timeLimitMs: 200 }, deps);
    expect(result).toMatchObject({ errCode: ProjectCode.DEADLINE_EXCEEDED, attempts: 0 });
    expect(transport.sent).toEqual([]);
  });

  test('a refused caller gets their own OPENID in `openid`, and only then', async () => {
    const { deps } = setup(['ok']);
    const refused = await runOperation(applyPlugin, { event, caller: { openid: 'oStranger01', source: 'wx_client' }, timeLimitMs: 3000 }, deps);
    expect(refused).toMatchObject({ errCode: ProjectCode.NOT_ADMIN, openid: 'oStranger01' });
    expect(refused.errMsg).not.toContain('oStranger01');
    const anonymous = await runOperation(applyPlugin, { event, caller: { openid: undefined, source: 'wx_client' }, timeLimitMs: 3000 }, deps);
    expect(anonymous).not.toHaveProperty('openid');
    const invalid = await runOperation(applyPlugin, { event: {}, caller: { openid: 'oStranger01', source: 'wx_client' }, timeLimitMs: 3000 }, deps);
    expect(invalid).not.toHaveProperty('openid');
  });
});

/**
 * Rules of src/core and of the HTTPS client's set-up that no unit test pinned down before the
 * mutation run (an end-to-end suite, or nothing, noticed them broken): the safety
 * margin's documented numbers, no timer left behind by a deadline, what a refused request echoes,
 * and option and base-URL mistakes a library user makes. Nothing here sends a request.
 */
import { within } from '../support/within';
import { ProjectCode } from '../../src/core/codes';
import { budgetOf, deadlineFor, safetyMarginMs, withinDeadline } from '../../src/core/deadline';
import { readConfig } from '../../src/core/config';
import { runOperation } from '../../src/core/engine';
import { OperationError } from '../../src/core/errors';
import { remoteError } from '../../src/core/remote';
import { CLOUD_FUNCTIONS, getPluginList, applyPlugin } from '../../src/core/operations';
import { byAction, singleOperation } from '../../src/core/route';
import { describeValue, kindOf } from '../../src/core/validate';
import { parseBaseUrl } from '../../src/https/base-url';
import { createHttpsClient } from '../../src/https/client';

function refusal(select: () => unknown): OperationError {
  try {
    select();
  } catch (error) {
    expect(error).toBeInstanceOf(OperationError);
    return error as OperationError;
  }
  throw new Error('not refused');
}

describe('the safety margin before the platform\'s kill: 10 % of the limit, at least 250 ms, at most 1 s (docs/design.md)', () => {
  test.each([
    [1000, 250],
    [2500, 250],
    [3000, 300],
    [3005, 301],
    [10_000, 1000],
    [60_000, 1000],
  ])('a %i ms limit keeps %i ms', (limit, margin) => {
    expect(safetyMarginMs(limit)).toBe(margin);
  });

  test('the answer\'s deadline keeps it unless told that nothing kills the caller', () => {
    expect(deadlineFor(1_000, 3000)).toBe(1_000 + 3000 - 300);
    expect(deadlineFor(1_000, 3000, true)).toBe(1_000 + 3000 - 300);
    expect(deadlineFor(1_000, 3000, false)).toBe(1_000 + 3000);
  });
});

describe('a deadline leaves nothing on the call\'s signal once the work has settled (a later abort would release what a finished attempt no longer holds)', () => {
  test.each([
    ['resolved', () => Promise.resolve('done')],
    ['rejected', () => Promise.reject(new Error('failed'))],
  ])('work that %s', async (_name, work) => {
    const controller = new AbortController();
    const onExpire = jest.fn();
    await withinDeadline(work(), controller.signal, onExpire).catch(() => undefined);
    controller.abort();
    expect(onExpire).not.toHaveBeenCalled();
  });

  test('a signal that has already aborted: DEADLINE_EXCEEDED at once, and what the work holds is released', async () => {
    const onExpire = jest.fn();
    await expect(withinDeadline(new Promise(() => undefined), AbortSignal.abort(), onExpire)).rejects.toMatchObject({ code: ProjectCode.DEADLINE_EXCEEDED });
    expect(onExpire).toHaveBeenCalledTimes(1);
  });
});

describe('one timer per call', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('the budget holds the only timer, and ending it leaves none', async () => {
    const budget = budgetOf(60_000);
    expect(jest.getTimerCount()).toBe(1);
    await withinDeadline(Promise.resolve('done'), budget.signal);
    expect(jest.getTimerCount()).toBe(1);
    budget.end();
    expect(jest.getTimerCount()).toBe(0);
  });

  test('the signal aborts at the deadline, with DEADLINE_EXCEEDED as its reason', () => {
    const budget = budgetOf(500);
    jest.advanceTimersByTime(499);
    expect(budget.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(budget.signal.reason).toMatchObject({ code: ProjectCode.DEADLINE_EXCEEDED });
  });
});

test('running out of time is DEADLINE_EXCEEDED, and the work may have reached WeChat', async () => {
  await expect(withinDeadline(new Promise(() => undefined), within(1))).rejects.toMatchObject({ code: ProjectCode.DEADLINE_EXCEEDED, maybeDelivered: true });
});

describe('a code WeChat answered that the catalogue does not know', () => {
  test('its errmsg is shown (redacted) when there is one, and no empty brackets when there is none', () => {
    expect(remoteError(61234, 'quota of http://10.0.0.1/x exceeded').detail).toBe('WeChat answered errcode 61234 (quota of <url> exceeded): look the code up in WeChat\'s global error table');
    for (const errmsg of [undefined, '', 42]) {
      expect(remoteError(61234, errmsg).detail).toBe('WeChat answered errcode 61234: look the code up in WeChat\'s global error table');
    }
  });

  test('one in the project\'s own range is an unexpected answer, and the log line keeps what WeChat said', async () => {
    const lines: string[] = [];
    const transport = { send: () => Promise.reject(remoteError(-930201, 'odd answer')) };
    const result = await runOperation(
      CLOUD_FUNCTIONS.applyPlugin,
      { event: { pluginAppid: 'wx0123456789abcdef' }, caller: { openid: 'oAdmin1', source: 'wx_client' }, timeLimitMs: 3000 },
      { transport: () => transport, config: readConfig({ ADMIN_OPENIDS: 'oAdmin1' }), log: (line) => lines.push(line) },
    );
    expect(result).toMatchObject({ errCode: ProjectCode.UNEXPECTED_ANSWER, attempts: 1 });
    expect(result.errMsg).toContain('errcode -930201, which lies in this project\'s own range');
    expect(JSON.parse(lines[0]!)).toMatchObject({ errCode: ProjectCode.UNEXPECTED_ANSWER, cause: '-930201 odd answer' });
  });
});

describe('what a refused request echoes', () => {
  test('an action is shown cut to 40 characters: a caller\'s megabyte is not sent back', () => {
    const action = `x${'y'.repeat(10_000)}`;
    const single = refusal(() => singleOperation(applyPlugin).select({ action }));
    expect(single.detail).toBe(`action must be "apply" or left out, got "${action.slice(0, 40)}"`);
    const several = refusal(() => byAction('pluginManager', [applyPlugin, getPluginList]).select({ action }));
    expect(several.detail).toBe(`action "${action.slice(0, 40)}" is not one of this function's: pass one of "apply", "list"`);
  });

  test('an action that is not text is described, not echoed; a missing one is asked for', () => {
    expect(refusal(() => byAction('pluginManager', [applyPlugin, getPluginList]).select({ action: 7 })).detail).toBe('action a number is not one of this function\'s: pass one of "apply", "list"');
    expect(refusal(() => byAction('pluginManager', [applyPlugin, getPluginList]).select({})).detail).toBe('action is required: pass one of "apply", "list"');
  });

  test('the example of a request is the operation\'s own: its fields, or {} when it has none', () => {
    expect(refusal(() => singleOperation(getPluginList).select([])).detail).toBe('the request must be an object such as {}, got an array');
    expect(refusal(() => singleOperation(applyPlugin).select('x')).detail).toMatch(/^the request must be an object such as \{ pluginAppid: \.\.\., reason: \.\.\. \}, got a string of 1 character$/);
    expect(refusal(() => byAction('pluginManager', [applyPlugin, getPluginList]).select(null)).detail).toBe('the request must be an object such as { action: "apply", ... }, got null');
  });
});

test.each([
  [null, 'null'],
  [undefined, 'undefined'],
  [[], 'an array'],
  [{}, 'an object'],
  ['x', 'a string'],
  [1, 'a number'],
  [() => 1, 'a function'],
])('the kind of %p is %p', (value, kind) => {
  expect(kindOf(value)).toBe(kind);
});

describe('how a refused value is described (never echoed)', () => {
  test.each([
    [null, 'null'],
    [[1, 2], 'an array'],
    ['', 'an empty string'],
    ['😀', 'a string of 1 character'],
    ['😀x', 'a string of 2 characters'],
    ['x'.repeat(10_000), 'a string of 10000 characters'],
    ['x'.repeat(10_001), 'a string of more than 10000 characters'],
    [12, 'a number'],
    [true, 'a boolean'],
    [{ a: 1 }, 'an object'],
    [undefined, 'undefined'],
  ])('%p', (value, description) => {
    expect(describeValue(value)).toBe(description);
  });
});

describe('createHttpsClient options a library user got wrong: -930303, nothing sent', () => {
  test.each([
    ['a timeout of 0 ms', { accessToken: 't', timeoutMs: 0 }, /timeoutMs is not a positive number/],
    ['a log that is not a function', { accessToken: 't', log: 'stdout' }, /the option log is not a function/],
    ['a token source that is null', { accessTokenSource: null }, /accessTokenSource needs get/],
    ['a token source without get', { accessTokenSource: { invalidate: () => false } }, /accessTokenSource needs get/],
  ])('%s', async (_name, options, message) => {
    const sent: string[] = [];
    const fetchImpl = ((url: string) => (sent.push(url), Promise.reject(new Error('nothing may be sent')))) as unknown as typeof fetch;
    const result = await createHttpsClient({ ...options, fetch: fetchImpl, baseUrl: 'http://127.0.0.1:9' } as never).getPluginList();
    expect(result).toMatchObject({ errCode: ProjectCode.HTTPS_OPTIONS_INVALID, attempts: 0, retryable: false });
    expect(result.errMsg).toMatch(message);
    expect(sent).toEqual([]);
  });

  test('options that are an array', async () => {
    const result = await createHttpsClient([] as never).getPluginList();
    expect(result).toMatchObject({ errCode: ProjectCode.HTTPS_OPTIONS_INVALID, attempts: 0 });
    expect(result.errMsg).toMatch(/takes an options object/);
  });
});

describe('a base URL carrying credentials is refused, whichever part is given', () => {
  test.each(['http://user@127.0.0.1', 'http://:password@127.0.0.1'])('%s', (baseUrl) => {
    expect(() => parseBaseUrl(baseUrl, 'baseUrl')).toThrow(expect.objectContaining({ code: ProjectCode.INVALID_BASE_URL, detail: expect.stringMatching(/^baseUrl carries credentials/) }));
  });
});

test('an OperationError names itself, so a stack or a log tells it from any other Error', () => {
  const error = new OperationError(ProjectCode.INVALID_EVENT);
  expect(error.name).toBe('OperationError');
  expect(String(error)).toMatch(/^OperationError: /);
});

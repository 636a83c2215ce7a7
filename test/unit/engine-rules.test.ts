/**
 * Rules of the engine that only the mutation run showed unchecked: what the log line
 * says (its level, duration, SOURCE, numeric fields, a refused cloud-call name), how errMsg is put
 * together in its rarer cases, and the cloud-call fallback when no time is left for it.
 */
import { ProjectCode } from '../../src/core/codes';
import { readConfig } from '../../src/core/config';
import { runOperation, unexpectedFailure, type EngineDeps, type Transport } from '../../src/core/engine';
import { OperationError } from '../../src/core/errors';
import { defineOperation } from '../../src/core/operation';
import { CLOUD_FUNCTIONS, getPluginDevApplyList } from '../../src/core/operations';
import { singleOperation } from '../../src/core/route';
import { olderOperation, scriptedTransport, type Step } from '../support/fake-transport';

const ADMIN = 'oAdmin00000000000000000000001';
const caller = { openid: ADMIN, source: 'wx_client' };
const event = { pluginAppid: 'wx0123456789abcdef' };
const START = 1_700_000_000_000;

function deps(transport: Transport, lines: string[] = []): EngineDeps {
  return { transport: () => transport, config: readConfig({ ADMIN_OPENIDS: ADMIN }), log: (line) => lines.push(line), random: () => 0.5 };
}

/** An operation with a fallback cloud-call name, reading nothing. */
const older = olderOperation;

beforeEach(() => jest.useFakeTimers({ now: START }));
afterEach(() => jest.useRealTimers());

async function run(route: Parameters<typeof runOperation>[0], steps: Step[] | Transport, invocation: Partial<Parameters<typeof runOperation>[1]> = {}) {
  const transport = Array.isArray(steps) ? scriptedTransport(steps) : steps;
  const lines: string[] = [];
  const pending = runOperation(route, { event, caller, timeLimitMs: 3000, ...invocation }, deps(transport, lines));
  await jest.runAllTimersAsync();
  const result = await pending;
  expect(lines).toHaveLength(1);
  return { result, log: JSON.parse(lines[0]!) as Record<string, unknown>, transport };
}

describe('the log line', () => {
  test('a success is logged at info, with SOURCE as the platform wrote it', async () => {
    const { log } = await run(CLOUD_FUNCTIONS.applyPlugin, ['ok'], { caller: { openid: ADMIN, source: 'wx_client,scf' } });
    expect(log).toMatchObject({ level: 'info', errCode: 0, source: 'wx_client,scf' });
  });

  test('a business refusal at warn; a defect at error', async () => {
    expect((await run(CLOUD_FUNCTIONS.applyPlugin, [89236])).log.level).toBe('warn');
    expect((await run(CLOUD_FUNCTIONS.applyPlugin, [new OperationError(ProjectCode.INTERNAL)])).log.level).toBe('error');
  });

  test('the duration is the time the invocation took, from its start', async () => {
    // -1, a 75 ms backoff (random 0.5), then success: 75 ms in all on the fake clock.
    const { log } = await run(CLOUD_FUNCTIONS.applyPlugin, [-1, 'ok'], { startedAt: START - 40 });
    expect(log.durationMs).toBe(115);
  });

  test('numeric fields are logged as numbers', async () => {
    const { log } = await run(singleOperation(getPluginDevApplyList), [{ answer: { apply_list: [] } }], { event: { page: 3, num: 7 } });
    expect(log).toMatchObject({ errCode: 0, page: 3, num: 7 });
  });

  test('after the gateway refused the older cloud-call name, both names are in the line', async () => {
    const { log } = await run(singleOperation(older), [-604101, 'ok'], { event: {} });
    expect(log).toMatchObject({ errCode: 0, cloudApi: 'pluginManager.newer', refusedCloudApi: 'pluginManager.older -604101' });
  });

  test('without a fallback, neither is', async () => {
    const { log } = await run(CLOUD_FUNCTIONS.applyPlugin, ['ok']);
    expect(log).not.toHaveProperty('cloudApi');
    expect(log).not.toHaveProperty('refusedCloudApi');
  });

  test('without a log, no line is even built', async () => {
    // SOURCE is read by the administrator check and by the log line: counting its reads tells
    // whether a line was built.
    let sourceRead = 0;
    const watched = {
      openid: ADMIN,
      get source() {
        sourceRead += 1;
        return 'wx_client';
      },
    };
    const { log: _none, ...quiet } = deps(scriptedTransport(['ok']));
    expect(await runOperation(CLOUD_FUNCTIONS.applyPlugin, { event, caller: watched, timeLimitMs: 3000 }, quiet)).toMatchObject({ errCode: 0 });
    const withoutLog = sourceRead;
    sourceRead = 0;
    await runOperation(CLOUD_FUNCTIONS.applyPlugin, { event, caller: watched, timeLimitMs: 3000 }, deps(scriptedTransport(['ok'])));
    expect(withoutLog).toBeLessThan(sourceRead);
  });

  test('a line that cannot be written is replaced by one saying so, naming itself', async () => {
    const written: string[] = [];
    const log = (line: string) => {
      if (written.length === 0 && !line.includes('"operation":"log"')) {
        written.push('');
        throw new RangeError('too long');
      }
      written.push(line);
    };
    await runOperation(CLOUD_FUNCTIONS.applyPlugin, { event, caller, timeLimitMs: 3000 }, { ...deps(scriptedTransport(['ok'])), log });
    expect(JSON.parse(written[1]!)).toEqual({ level: 'error', operation: 'log', cause: 'the log line could not be written: RangeError' });
  });
});

describe('errMsg in its rarer cases', () => {
  test('an error with its own detail is not followed by the catalogue\'s Chinese text', async () => {
    const { result } = await run(CLOUD_FUNCTIONS.applyPlugin, [new OperationError(89236, { detail: 'said by the test' })]);
    expect(result.errMsg).toBe('applyPlugin:fail said by the test');
  });

  test('a catalogue entry without Chinese text gets no brackets', async () => {
    const { result } = await run(CLOUD_FUNCTIONS.applyPlugin, [new OperationError(ProjectCode.INTERNAL)]);
    expect(result.errMsg).toBe('applyPlugin:fail the function failed unexpectedly: read the function\'s log line for this request id and report it');
  });

  test('an operation without a cloud-call name reads "the API" where the catalogue names one', async () => {
    const { result } = await run(singleOperation(getPluginDevApplyList), [-604101], { event: {} });
    expect(result.errMsg).toMatch(/^getPluginDevApplyList:fail this cloud function has no permission to call the API: add "the API" to /);
  });

  test('an answer the operation\'s reader trips over is -930203, saying so', async () => {
    const brittle = defineOperation({ ...older, readAnswer: () => { throw new TypeError('cannot read properties of undefined'); } });
    const { result } = await run(singleOperation(brittle), ['ok'], { event: {} });
    expect(result).toMatchObject({ errCode: ProjectCode.UNEXPECTED_ANSWER, attempts: 1 });
    expect(result.errMsg).toBe('olderName:fail the answer carried no WeChat result code (an answer this project could not read), so whether WeChat acted on it is unknown: list again');
  });

  test('an answer the reader refuses with its own error keeps that error', async () => {
    const refusing = defineOperation({ ...older, readAnswer: () => { throw new OperationError(ProjectCode.UNEXPECTED_ANSWER, { detail: 'the list is not a list' }); } });
    const { result } = await run(singleOperation(refusing), ['ok'], { event: {} });
    expect(result.errMsg).toBe('olderName:fail the list is not a list: list again');
  });

  test('a maybe-delivered attempt of an operation with no notes adds none', async () => {
    const { result } = await run(singleOperation(older), [new OperationError(-501001, { maybeDelivered: true }), 89244], { event: {} });
    expect(result).toMatchObject({ errCode: 89244, attempts: 2 });
    expect(result.errMsg).not.toContain(';');
  });

  test('a defect outside the engine reads like any other failure', () => {
    expect(unexpectedFailure('pluginManager')).toEqual({
      errCode: ProjectCode.INTERNAL,
      errMsg: 'pluginManager:fail the function failed unexpectedly: read the function\'s log line for this request id and report it',
      retryable: false,
      attempts: 0,
    });
  });
});

test('the older name refused when no time is left: the refusal is the answer, the newer name is not tried', async () => {
  const apis: Array<string | undefined> = [];
  const slowRefusal: Transport = {
    send({ cloudApi }) {
      apis.push(cloudApi);
      // The refusal arrives after the whole budget has gone (the clock moves; no timer fires).
      jest.setSystemTime(START + 10_000);
      return Promise.reject(new OperationError(-604101));
    },
  };
  const { result } = await run(singleOperation(older), slowRefusal, { event: {} });
  expect(apis).toEqual(['pluginManager.older']);
  expect(result).toMatchObject({ errCode: -604101, attempts: 1 });
  expect(result).not.toHaveProperty('cloudApi');
});

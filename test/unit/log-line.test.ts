/**
 * The one log line builder (core/log.ts), for the engine and for any other caller of WeChat (the
 * component client's token and listing steps): a failure's cause is in it, redacted.
 */
import { ProjectCode } from '../../src/core/codes';
import { OperationError } from '../../src/core/errors';
import { callLogLine, writeCallLog } from '../../src/core/log';

test('a step outside any operation logs its failure\'s cause, redacted, with the fixed keys', () => {
  const failure = new OperationError(61007, { cause: { code: 61007, errMsg: 'api unauthorized from 10.1.2.3' } });
  const line = JSON.parse(callLogLine({ name: 'getAuthorizerList', errCode: 61007, attempts: 1, startedAt: 1000, fields: { offset: 0 }, failure }, () => 1250));
  expect(line).toEqual({ level: 'warn', operation: 'getAuthorizerList', action: null, requestId: null, errCode: 61007, attempts: 1, durationMs: 250, source: null, openid: null, offset: 0, cause: expect.stringContaining('61007 api unauthorized from') });
  expect(line.cause).not.toContain('10.1.2.3');
});

test('success is info, INTERNAL is error, and no failure means no cause', () => {
  const at = (errCode: number) => JSON.parse(callLogLine({ name: 'x', errCode, attempts: 1, startedAt: 0, fields: {} }, () => 0));
  expect(at(0)).toMatchObject({ level: 'info', cause: null });
  expect(at(ProjectCode.INTERNAL)).toMatchObject({ level: 'error' });
});

test('an outcome that cannot be gathered still leaves one line saying so, and nothing is thrown', () => {
  const lines: string[] = [];
  expect(() =>
    writeCallLog((line) => lines.push(line), () => {
      throw new TypeError('broken');
    }),
  ).not.toThrow();
  expect(lines.map((line) => JSON.parse(line))).toEqual([{ level: 'error', operation: 'log', cause: 'the log line could not be written: TypeError' }]);
});

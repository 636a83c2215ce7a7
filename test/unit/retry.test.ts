import { ProjectCode } from '../../src/core/codes';
import { backoffDelay, DEFAULT_BACKOFF, isRetryableLater, shouldRetry } from '../../src/core/retry';

describe('the retry rule', () => {
  test.each([-1, -501001, -501002, -501004, -601001, -604102, -604103])('%i is transient and retried', (code) => {
    expect(shouldRetry(code)).toBe(true);
    expect(isRetryableLater(code)).toBe(true);
  });

  test.each([0, 89236, 89237, 89238, 89239, 89240, 89241, 89242, 89243, 89044, 40001, 42001, -604101, -604100, -501007, -501003, ...Object.values(ProjectCode)])(
    '%i is an answer, never retried inside the call',
    (code) => {
      expect(shouldRetry(code)).toBe(false);
    },
  );

  test('a missed deadline is not retried inside the call but the caller may try again', () => {
    expect(shouldRetry(ProjectCode.DEADLINE_EXCEEDED)).toBe(false);
    expect(isRetryableLater(ProjectCode.DEADLINE_EXCEEDED)).toBe(true);
  });

  test('backoff doubles, is capped, and keeps at least half the nominal delay', () => {
    const policy = { ...DEFAULT_BACKOFF, baseDelayMs: 100, maxDelayMs: 300 };
    expect([2, 3, 4, 5].map((attempt) => backoffDelay(attempt, policy, () => 0))).toEqual([50, 100, 150, 150]);
    expect([2, 3, 4, 5].map((attempt) => backoffDelay(attempt, policy, () => 0.999999))).toEqual([100, 200, 300, 300]);
  });
});

/**
 * The batch job rules on their own: what one call's result means for its authoriser, when a
 * deferred job runs again, and the run's exit status.
 */
import { isPlatformFault } from '../../src/component/platform-faults';
import { ProjectCode } from '../../src/core/codes';
import fc from 'fast-check';
import {
  decide,
  exitCodeOf,
  runStateOf,
  MAX_TRIES,
  MINUTE_QUOTA_WAIT_MS,
  nextQuotaReset,
  QUOTA_RESET_MARGIN_MS,
  retryDelay,
  RETRY_BASE_MS,
  RETRY_MAX_MS,
  type Counts,
} from '../../src/batch/outcome';

const NOW = Date.UTC(2026, 10, 29, 22, 30); // 06:30 on the 30th in Beijing
const APPLY_ALREADY = [89237];
const result = (errCode: number, retryable = false) => ({ errCode, retryable });

describe('decide: one call, one decision', () => {
  test('0 succeeded; the operation\'s own "already so" code is done too', () => {
    expect(decide(result(0), APPLY_ALREADY, 1, NOW)).toEqual({ kind: 'final', outcome: 'succeeded' });
    expect(decide(result(89237), APPLY_ALREADY, 1, NOW)).toEqual({ kind: 'final', outcome: 'alreadyDone' });
    // 89237 is "already so" only where the operation says so (unbind, update have none).
    expect(decide(result(89237), [], 1, NOW)).toEqual({ kind: 'final', outcome: 'failed' });
  });

  test('61007 (no plugin management) is recorded, not retried, whatever the try', () => {
    for (const tries of [1, 2, MAX_TRIES]) expect(decide(result(61007), APPLY_ALREADY, tries, NOW)).toEqual({ kind: 'final', outcome: 'notAuthorised' });
  });

  test('45009 defers to just after the next reset, 00:05 in Beijing, never fails the job', () => {
    expect(decide(result(45009), APPLY_ALREADY, MAX_TRIES, NOW)).toEqual({ kind: 'defer', until: Date.UTC(2026, 10, 30, 16, 5) });
  });

  test('transient failures are retried with backoff until the tries run out, then fail', () => {
    for (const code of [-1, -501001, -930201]) {
      const decision = decide(result(code, true), APPLY_ALREADY, 1, NOW, () => 0);
      expect(decision).toEqual({ kind: 'retry', at: NOW + RETRY_BASE_MS / 2, counted: true });
      expect(decide(result(code, true), APPLY_ALREADY, MAX_TRIES, NOW)).toEqual({ kind: 'final', outcome: 'failed' });
    }
  });

  test('45011 (the platform\'s rate limit) waits for the next minute at least, and never counts a try nor fails the authoriser', () => {
    expect(decide(result(45011), APPLY_ALREADY, 1, NOW, () => 0)).toEqual({ kind: 'retry', at: NOW + MINUTE_QUOTA_WAIT_MS, counted: false });
    expect(decide(result(45011), APPLY_ALREADY, MAX_TRIES + 3, NOW, () => 0)).toMatchObject({ kind: 'retry', counted: false });
  });

  test('the platform\'s own faults stop the run: nothing final, nothing retried', () => {
    for (const code of [ProjectCode.PLATFORM_CREDENTIALS_REFUSED, ProjectCode.PLATFORM_QUOTA_SPENT, ProjectCode.TOKEN_COMMAND_FAILED, ProjectCode.COMPONENT_CREDENTIALS_MISSING]) {
      expect(decide(result(code), APPLY_ALREADY, 1, NOW)).toEqual({ kind: 'stop' });
    }
  });

  test('any other refusal is final', () => {
    for (const code of [89236, 89238, 89239, 61023, ProjectCode.NO_REFRESH_TOKEN, 40001]) expect(decide(result(code), APPLY_ALREADY, 1, NOW)).toEqual({ kind: 'final', outcome: 'failed' });
  });

  test('property: a decision is final, a deferral to the future, or a retry within the backoff bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: -999999, max: 99999 }), fc.boolean(), fc.integer({ min: 1, max: MAX_TRIES + 2 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (code, retryable, tries, random) => {
        const decision = decide({ errCode: code, retryable }, APPLY_ALREADY, tries, NOW, () => random);
        if (decision.kind === 'defer') return code === 45009 && decision.until > NOW;
        if (decision.kind === 'stop') return isPlatformFault(code);
        const again = code === 45011 || (retryable && tries < MAX_TRIES && code !== 0 && code !== 61007 && code !== 89237 && code !== 45009 && !isPlatformFault(code));
        if (decision.kind === 'retry') {
          const wait = decision.at - NOW;
          return again && decision.counted === (code !== 45011) && wait >= RETRY_BASE_MS / 2 && wait <= Math.max(RETRY_MAX_MS, MINUTE_QUOTA_WAIT_MS);
        }
        // Final: never for a retryable code with tries left (45009 aside), nor for 45011.
        return !again;
      }),
    );
  });
});

describe('nextQuotaReset', () => {
  test('property: the first Beijing midnight after now, plus the margin', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) }), (now) => {
        const reset = nextQuotaReset(now) - QUOTA_RESET_MARGIN_MS;
        const beijing = new Date(reset + 8 * 3_600_000);
        return reset > now && reset <= now + 86_400_000 && beijing.getUTCHours() === 0 && beijing.getUTCMinutes() === 0 && beijing.getUTCSeconds() === 0 && beijing.getUTCMilliseconds() === 0;
      }),
    );
  });

  test('exactly at midnight in Beijing, the reset is the next day\'s', () => {
    const midnight = Date.UTC(2026, 10, 29, 16, 0);
    expect(nextQuotaReset(midnight)).toBe(Date.UTC(2026, 10, 30, 16, 5));
    expect(nextQuotaReset(midnight - 1)).toBe(Date.UTC(2026, 10, 29, 16, 5));
  });
});

describe('retryDelay', () => {
  test('property: between half and all of a doubling nominal delay, capped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (tries, random) => {
        const nominal = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (tries - 1));
        const delay = retryDelay(tries, () => random);
        return delay >= Math.floor(nominal / 2) && delay <= nominal;
      }),
    );
  });
});

describe('exitCodeOf', () => {
  const counts = fc.record({
    succeeded: fc.nat(5),
    alreadyDone: fc.nat(5),
    notAuthorised: fc.nat(2),
    deferred: fc.nat(2),
    failed: fc.nat(2),
    pending: fc.nat(2),
    cancelled: fc.nat(2),
  });

  test('property: 1 when any was refused or failed; else 3 when any is left (cancelled included); else 0', () => {
    fc.assert(
      fc.property(counts, (partial) => {
        const all: Counts = { ...partial, total: Object.values(partial).reduce((a, b) => a + b, 0) };
        const expected = partial.notAuthorised + partial.failed > 0 ? 1 : partial.deferred + partial.pending + partial.cancelled > 0 ? 3 : 0;
        return exitCodeOf(all) === expected;
      }),
    );
  });

  test('examples', () => {
    const zero: Counts = { total: 0, succeeded: 0, alreadyDone: 0, notAuthorised: 0, deferred: 0, failed: 0, pending: 0, cancelled: 0 };
    expect(exitCodeOf({ ...zero, total: 2, succeeded: 1, alreadyDone: 1 })).toBe(0);
    expect(exitCodeOf({ ...zero, total: 2, succeeded: 1, notAuthorised: 1 })).toBe(1);
    expect(exitCodeOf({ ...zero, total: 3, failed: 1, deferred: 1, pending: 1 })).toBe(1);
    expect(exitCodeOf({ ...zero, total: 2, succeeded: 1, deferred: 1 })).toBe(3);
    expect(exitCodeOf({ ...zero, total: 2, succeeded: 1, cancelled: 1 })).toBe(3);
  });
});

describe('runStateOf', () => {
  const zero: Counts = { total: 0, succeeded: 0, alreadyDone: 0, notAuthorised: 0, deferred: 0, failed: 0, pending: 0, cancelled: 0 };
  test.each<[string, boolean, Partial<Counts>, string]>([
    ['not all enqueued', false, { pending: 3 }, 'listing'],
    ['cancelled while listing', false, { cancelled: 3 }, 'cancelled'],
    ['work left', true, { pending: 1, deferred: 1, cancelled: 1 }, 'running'],
    ['a cancel before a deferral', true, { deferred: 1, cancelled: 1 }, 'cancelled'],
    ['waiting for a quota', true, { deferred: 1, failed: 1 }, 'deferred'],
    ['nothing left', true, { succeeded: 2, failed: 1 }, 'finished'],
  ])('%s: %s', (_name, listed, counts, state) => {
    expect(runStateOf(listed, { ...zero, ...counts })).toBe(state);
  });
});

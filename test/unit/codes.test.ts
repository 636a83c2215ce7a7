/** The catalogue keeps its own promises: every outside code says how sure we are, and where from. */
import { CATALOGUE, isProjectCode, ProjectCode } from '../../src/core/codes';
import { isRetryableLater, mayHaveActed, shouldRetry } from '../../src/core/retry';

describe('the catalogue', () => {
  test.each([...CATALOGUE].filter(([, entry]) => entry.source !== 'project'))('%i: documented or reported, with its source', (_code, entry) => {
    expect(['documented', 'reported']).toContain(entry.evidence);
    expect(entry.seenIn).toEqual(expect.any(String));
  });

  test('the codes callers meet today, and the component codes the third-party side relies on, are there', () => {
    for (const code of [89244, 89256, 89257, 89258, 89259, 61007, 45009, 45011, 48006, 61003, 61004, 61005, 61006, 61011, 61023, 61024, 48001, 41004]) expect(CATALOGUE.has(code)).toBe(true);
    expect(CATALOGUE.get(89044)).toMatchObject({ aliasOf: 89244 });
    expect(CATALOGUE.get(89256)).toMatchObject({ evidence: 'reported', retry: 'never' });
  });

  test('the project\'s range holds exactly its own codes', () => {
    for (const code of Object.values(ProjectCode)) expect(isProjectCode(code)).toBe(true);
    for (const code of [-930000, -930999]) expect(isProjectCode(code)).toBe(true);
    for (const code of [-1, 0, 89244, -604101, -501001, -929999, -931000, -940000]) expect(isProjectCode(code)).toBe(false);
  });

  test('retried in the call, retryable later, or neither: read from the catalogue', () => {
    expect([...CATALOGUE.keys()].filter(shouldRetry).sort()).toEqual([-1, -501001, -501002, -501004, -601001, -604102, -604103].sort());
    expect(isRetryableLater(45011)).toBe(true);
    expect(shouldRetry(45011)).toBe(false);
    expect(isRetryableLater(ProjectCode.DEADLINE_EXCEEDED)).toBe(true);
    expect(isRetryableLater(45009)).toBe(false);
    expect(isRetryableLater(123456)).toBe(false);
  });

  test('"may have acted" for timeouts, system errors and lost answers only', () => {
    expect([...CATALOGUE.keys()].filter(mayHaveActed).sort()).toEqual([-1, -501001, -501002, -601001, -604102, -604103, ProjectCode.DEADLINE_EXCEEDED, ProjectCode.UNEXPECTED_ANSWER].sort());
    expect(mayHaveActed(-501004)).toBe(false);
  });
});

/**
 * camelCaseKeys remembers the keys it converted (a bounded memo): what it answers must not depend on
 * what it saw before, however many keys that was.
 */
import fc from 'fast-check';
import { camelCaseKeys } from '../../src/core/case';

/** The conversion as wx-server-sdk states it, without any memo. */
const expected = (key: string): string => key.replace(/_[a-z]/g, (match) => match[1]!.toUpperCase());

describe('camelCaseKeys with its memo of converted keys', () => {
  test('any key converts as the SDK converts it, the first time and every time after', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-zA-Z0-9_]{0,12}$/), { maxLength: 20 }), (keys) => {
        for (let round = 0; round < 2; round += 1) {
          const answer = camelCaseKeys(Object.fromEntries(keys.map((key, index) => [key, index]))) as Record<string, number>;
          expect(Object.keys(answer).sort()).toEqual([...new Set(keys.map(expected))].sort());
        }
      }),
      { numRuns: 300 },
    );
  });

  test('past the memo\'s bound (512 keys), new keys are still converted, and the first ones still right', () => {
    const many = Array.from({ length: 2000 }, (_unused, index) => `key_${index.toString(36)}_x`);
    const first = camelCaseKeys(Object.fromEntries(many.map((key) => [key, 1]))) as Record<string, number>;
    expect(Object.keys(first)).toEqual(many.map(expected));
    expect(Object.keys(camelCaseKeys({ [many[0]!]: 1, [many[1999]!]: 2 }) as object)).toEqual([expected(many[0]!), expected(many[1999]!)]);
  });
});

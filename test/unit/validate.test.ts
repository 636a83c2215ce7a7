import { ProjectCode } from '../../src/core/codes';
import { OperationError } from '../../src/core/errors';
import { parseFields, TEXT_MAX_CHARS, TEXT_MAX_CHARS as REASON_MAX_CHARS } from '../../src/core/fields';
import { updatePlugin } from '../../src/core/operations/update-plugin';
import { wireBodyOf } from '../../src/core/operation';
import { applyPlugin } from '../../src/core/operations/apply-plugin';
import { singleOperation } from '../../src/core/route';
import { isFilledText, trimmedText } from '../../src/core/validate';

const route = singleOperation(applyPlugin);
/** What the engine does first: choose the operation, then read its fields. */
function parse(event: unknown) {
  const { operation, fields } = route.select(event);
  return parseFields(operation.fields, fields);
}

const APPID = 'wx0123456789abcdef';

function refusal(event: unknown): OperationError {
  try {
    parse(event);
  } catch (error) {
    if (error instanceof OperationError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(event)} to be refused`);
}

describe('applyPlugin request contract', () => {
  test.each([
    ['null', null],
    ['an array', [APPID]],
    ['a string', APPID],
    ['a number', 42],
    ['a boolean', true],
    ['undefined', undefined],
  ])('an event that is %s is refused as INVALID_EVENT', (_name, event) => {
    const error = refusal(event);
    expect(error.code).toBe(ProjectCode.INVALID_EVENT);
    expect(error.detail).toMatch(/must be an object/);
  });

  test('pluginAppid is required', () => {
    const error = refusal({ reason: 'x' });
    expect(error.code).toBe(ProjectCode.INVALID_APPID);
    expect(error.detail).toMatch(/pluginAppid is required/);
  });

  test.each([
    ['a number', 123],
    ['null', null],
    ['an object', { appid: APPID }],
    ['an array', [APPID]],
  ])('pluginAppid of the wrong type (%s) is refused', (_name, pluginAppid) => {
    const error = refusal({ pluginAppid });
    expect(error.code).toBe(ProjectCode.INVALID_APPID);
    expect(error.detail).toMatch(/must be a string/);
  });

  test.each([
    ['too short', 'wx0123456789abcde'],
    ['too long', 'wx0123456789abcdef0'],
    ['not hex', 'wx0123456789abcdeg'],
    ['wrong prefix', 'tt0123456789abcdef'],
    ['empty', ''],
    ['the API page example', 'aaaa'],
  ])('a malformed pluginAppid (%s) is refused', (_name, pluginAppid) => {
    const error = refusal({ pluginAppid });
    expect(error.code).toBe(ProjectCode.INVALID_APPID);
    expect(error.detail).toMatch(/"wx" followed by 16 lowercase hex digits/);
    expect(error.detail).not.toMatch(/capitals or spaces/);
  });

  test.each([
    ['capitals', 'WX0123456789ABCDEF'],
    ['surrounding spaces', ` ${APPID} `],
  ])('a pluginAppid with %s gets a hint', (_name, pluginAppid) => {
    expect(refusal({ pluginAppid }).detail).toMatch(/check for capitals or spaces/);
  });

  test('a valid appid with no reason parses, and no reason is sent', () => {
    const params = parse({ pluginAppid: APPID });
    // Strict: no `reason` key at all, not one holding undefined.
    expect(params).toStrictEqual({ pluginAppid: APPID });
    expect(wireBodyOf(applyPlugin, params)).toStrictEqual({ action: 'apply', plugin_appid: APPID });
  });

  test('an optional reason of spaces is given, and sent as it is', () => {
    expect(wireBodyOf(applyPlugin, parse({ pluginAppid: APPID, reason: '   ' }))).toEqual({ action: 'apply', plugin_appid: APPID, reason: '   ' });
  });

  test('an empty reason means no reason', () => {
    expect(wireBodyOf(applyPlugin, parse({ pluginAppid: APPID, reason: '' }))).toStrictEqual({ action: 'apply', plugin_appid: APPID });
  });

  test('a reason is sent verbatim', () => {
    const reason = '  我们想用这个插件 展示地图\n';
    expect(wireBodyOf(applyPlugin, parse({ pluginAppid: APPID, reason }))).toEqual({ action: 'apply', plugin_appid: APPID, reason });
  });

  test(`a reason of exactly ${REASON_MAX_CHARS} characters (counted as characters, not bytes) is accepted`, () => {
    const reason = '图'.repeat(REASON_MAX_CHARS);
    expect(parse({ pluginAppid: APPID, reason })).toEqual({ pluginAppid: APPID, reason });
  });

  test('a reason one character too long is refused with the limit named', () => {
    const error = refusal({ pluginAppid: APPID, reason: 'x'.repeat(REASON_MAX_CHARS + 1) });
    expect(error.code).toBe(ProjectCode.INVALID_TEXT);
    expect(error.detail).toContain(`at most ${REASON_MAX_CHARS}`);
  });

  test.each([
    ['a number', 5],
    ['null', null],
    ['an object', { text: 'x' }],
  ])('a reason of the wrong type (%s) is refused', (_name, reason) => {
    const error = refusal({ pluginAppid: APPID, reason });
    expect(error.code).toBe(ProjectCode.INVALID_TEXT);
    expect(error.detail).toMatch(/reason must be a string/);
  });

  test('action "apply" is accepted and action may be left out', () => {
    expect(parse({ pluginAppid: APPID, action: 'apply' })).toEqual({ pluginAppid: APPID });
  });

  test.each([
    ['another action', 'unbind'],
    ['a capitalised action', 'Apply'],
    ['a number', 1],
    ['null', null],
  ])('%s is refused as INVALID_ACTION', (_name, action) => {
    const error = refusal({ pluginAppid: APPID, action });
    expect(error.code).toBe(ProjectCode.INVALID_ACTION);
    expect(error.detail).toMatch(/action must be "apply"/);
  });

  test('fields the platform or caller adds are ignored, never forwarded', () => {
    const params = parse({ pluginAppid: APPID, userInfo: { openId: 'oForged', appId: 'wxforged' }, plugin_appid: 'wx9999999999999999' });
    expect(wireBodyOf(applyPlugin, params)).toEqual({ action: 'apply', plugin_appid: APPID });
  });
});

describe('huge fields are refused by their length, before any character is counted or matched', () => {
  const huge = 'x'.repeat(10 * 1024 * 1024);
  const refusal = (run: () => unknown): OperationError => {
    try {
      run();
    } catch (error) {
      return error as OperationError;
    }
    throw new Error('accepted');
  };

  test('a 10 MB reason', () => {
    const error = refusal(() => parseFields(applyPlugin.fields, { pluginAppid: 'wx0123456789abcdef', reason: huge }));
    expect(error.code).toBe(ProjectCode.INVALID_TEXT);
    expect(error.detail).toBe(`reason is more than ${TEXT_MAX_CHARS * 2} characters long; shorten it to at most ${TEXT_MAX_CHARS}`);
  });

  test('a 10 MB appid or version', () => {
    expect(refusal(() => parseFields(applyPlugin.fields, { pluginAppid: huge })).detail).toBe('pluginAppid must be "wx" followed by 16 lowercase hex digits, got a string of more than 10000 characters');
    expect(refusal(() => parseFields(updatePlugin.fields, { pluginAppid: 'wx0123456789abcdef', userVersion: huge })).detail).toContain('got a string of more than 10000 characters');
  });

  test('a text of exactly twice the limit in astral characters is counted, not cut short', () => {
    const astral = '😀'.repeat(TEXT_MAX_CHARS);
    expect(astral.length).toBe(TEXT_MAX_CHARS * 2);
    expect(parseFields(applyPlugin.fields, { pluginAppid: 'wx0123456789abcdef', reason: astral })).toMatchObject({ reason: astral });
  });
});

describe('text an option was given', () => {
  test('trimmedText: trimmed, and absent or white space alone is not given', () => {
    expect(trimmedText('  wx0123  ')).toBe('wx0123');
    for (const value of [undefined, '', '   ', '\t\n']) expect(trimmedText(value)).toBeUndefined();
  });

  test('isFilledText: a string with something besides white space; nothing else', () => {
    expect(isFilledText(' a ')).toBe(true);
    for (const value of [undefined, null, 42, '', '  ', ['a']]) expect(isFilledText(value)).toBe(false);
  });
});

/**
 * The one sanitiser for what the tools print (src/tools/terminal.ts): hostile text from another
 * party never acts on the terminal or changes how a line reads, and JSON stays the same value.
 */
import { renderTable, TABLES } from '../../src/tools/tables';
import { forTerminal, jsonForTerminal } from '../../src/tools/terminal';

const HOSTILE = [
  ['ESC (C0)', '\u001b[2J'],
  ['CSI (C1)', '\u009b31m'],
  ['NEL (C1)', '\u0085'],
  ['DEL', '\u007f'],
  ['right-to-left override', '\u202e'],
  ['left-to-right embedding', '\u202a'],
  ['first strong isolate', '\u2068'],
  ['pop directional isolate', '\u2069'],
  ['zero width space', '\u200b'],
  ['right-to-left mark', '\u200f'],
  ['word joiner', '\u2060'],
  ['byte order mark', '\ufeff'],
  ['line separator', '\u2028'],
  ['tag character', '\u{e0041}'],
] as const;

/** Every character a terminal or a reader could be fooled by, by code point. */
const UNSAFE_CODE = (code: number) => code <= 0x1f || (code >= 0x7f && code <= 0x9f) || (code >= 0x200b && code <= 0x200f) || (code >= 0x2028 && code <= 0x202e) || (code >= 0x2060 && code <= 0x206f) || code === 0xfeff || (code >= 0xe0000 && code <= 0xe007f);
const escapeOf = (code: number) => (code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`);
const unsafeIn = (text: string) => [...text].filter((char) => UNSAFE_CODE(char.codePointAt(0)!));

test.each(HOSTILE)('%s is shown as a visible escape, never passed through', (_name, char) => {
  const out = forTerminal(`nick${char}name`);
  expect(unsafeIn(out)).toEqual([]);
  const first = [...char][0]!;
  expect(out).toBe(`nick${escapeOf(first.codePointAt(0)!)}${char.slice(first.length)}name`);
});

test('ordinary text, Chinese included, is printed as it is', () => {
  expect(forTerminal('用于展示门店地图 Demo Maps (v2.2.46)')).toBe('用于展示门店地图 Demo Maps (v2.2.46)');
});

test.each(HOSTILE)('JSON escapes %s and stays the same value', (_name, char) => {
  const value = { errMsg: `x${char}y`, pluginList: [{ nickname: `a${char}` }] };
  const json = jsonForTerminal(value, 2);
  expect(unsafeIn(json.replace(/\n/g, ''))).toEqual([]);
  expect(JSON.parse(json)).toEqual(value);
});

test('JSON writes a bidi override as \\u202e', () => {
  expect(jsonForTerminal({ nickname: '\u202eevil' })).toBe('{"nickname":"\\u202eevil"}');
});

test('a table of hostile rows shows every character escaped, and a null or odd row as empty cells', () => {
  const rows = [
    { appid: 'wx0123456789abcdef', status: 1, nickname: `\u202emoc.evil\u2066`, reason: 'a\u009b2Jb\nc', createTime: '1536305096' },
    null,
    42,
  ] as unknown as Array<Record<string, unknown>>;
  const table = renderTable(TABLES.applyList!, rows);
  expect(unsafeIn(table.replace(/\n/g, ''))).toEqual([]);
  expect(table).toContain('\\u202emoc.evil\\u2066');
  expect(table.split('\n')).toHaveLength(4);
});

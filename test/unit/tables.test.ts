import { localDate, renderTable, statusInWords, TABLES } from '../../src/tools/tables';

test('statuses in words, unknown ones as they came', () => {
  expect([1, 2, 3, 4, 9, '2'].map(statusInWords)).toEqual(['applying', 'approved', 'refused', 'expired', '9', 'approved']);
});

test('create_time (Unix seconds, a string) as a local date; nonsense as it came', () => {
  const seconds = Math.floor(new Date(2026, 10, 29, 9, 5).getTime() / 1000);
  expect(localDate(String(seconds))).toBe('2026-11-29 09:05');
  expect(localDate('soon')).toBe('soon');
  expect(localDate(undefined)).toBe('');
});

test('a table lines up its columns, counting a Chinese character as two', () => {
  const text = renderTable(TABLES.applyList!, [
    { appid: 'wxa11ce00000000d3e', status: 1, nickname: '门店', createTime: '0', reason: 'maps\nplease' },
    { appid: 'wx00000000000000aa', status: 3, nickname: 'Shop', createTime: '0', reason: '' },
  ]);
  const lines = text.split('\n');
  expect(lines[0]).toMatch(/^appid\s+status\s+nickname\s+applied at\s+reason$/);
  expect(lines[1]).toContain('applying  门店      ');
  expect(lines[1]).toContain('maps please');
  expect(lines[2]).toContain('refused   Shop      ');
  expect(lines[2]!.endsWith(' ')).toBe(false);
});

test('an escape sequence in another party\'s text never reaches the terminal', () => {
  const text = renderTable(TABLES.applyList!, [{ appid: 'wx1', status: 1, nickname: 'Shop\u001b[2J', createTime: '0', reason: 'hi\u001b]0;pwned\u0007 there\u009b' }]);
  const control = [...text].filter((char) => char !== '\n' && (char.charCodeAt(0) <= 0x1f || (char.charCodeAt(0) >= 0x7f && char.charCodeAt(0) <= 0x9f)));
  expect(control).toEqual([]);
  // Shown as visible escapes (src/tools/terminal.ts), so the reader sees what was there.
  expect(text).toContain('Shop\\u001b[2J');
  expect(text).toContain('hi\\u001b]0;pwned\\u0007 there\\u009b');
});

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

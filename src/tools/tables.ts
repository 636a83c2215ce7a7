/**
 * How `wxplugin` shows a list on a terminal: a readable table instead of JSON. Presentation only;
 * JSON (off a terminal, or with --json) always carries every field.
 */
import { forTerminal } from './terminal';

const STATUS_WORDS: Readonly<Record<number, string>> = { 1: 'applying', 2: 'approved', 3: 'refused', 4: 'expired' };

export function statusInWords(status: unknown): string {
  return STATUS_WORDS[Number(status)] ?? String(status);
}

/** "1536305096" (Unix seconds, as WeChat sends it) -> a local date and time. */
export function localDate(seconds: unknown): string {
  const value = Number(seconds);
  if (!Number.isFinite(value) || value <= 0) return String(seconds ?? '');
  const date = new Date(value * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

type Column = readonly [heading: string, cell: (row: Record<string, unknown>) => string];

/** Result field -> the columns its rows are shown with. */
export const TABLES: Readonly<Record<string, readonly Column[]>> = {
  pluginList: [
    ['appid', (row) => String(row.appid ?? '')],
    ['status', (row) => statusInWords(row.status)],
    ['nickname', (row) => String(row.nickname ?? '')],
  ],
  applyList: [
    ['appid', (row) => String(row.appid ?? '')],
    ['status', (row) => statusInWords(row.status)],
    ['nickname', (row) => String(row.nickname ?? '')],
    ['applied at', (row) => localDate(row.createTime)],
    ['reason', (row) => String(row.reason ?? '').replace(/[ \t\r\n]+/g, ' ')],
  ],
};

/** Display width: CJK and other wide characters take two columns. */
function width(text: string): number {
  let total = 0;
  for (const char of text) total += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(char) ? 2 : 1;
  return total;
}

export function renderTable(columns: readonly Column[], rows: ReadonlyArray<Record<string, unknown>>): string {
  // Rows come from WeChat: a row that is not an object shows as empty cells, never a crash.
  const cells = rows.map((row) => columns.map(([, cell]) => forTerminal(cell(typeof row === 'object' && row !== null ? row : {}))));
  const widths = columns.map(([heading], index) => Math.max(width(heading), ...cells.map((line) => width(line[index]!))));
  const line = (values: readonly string[]) => values.map((value, index) => value + ' '.repeat(widths[index]! - width(value))).join('  ').trimEnd();
  return [line(columns.map(([heading]) => heading)), ...cells.map(line)].join('\n');
}

/**
 * A file of authorisers, one appid per line (blank lines and `#` comments skipped): checked whole
 * before a run starts, then read again a page at a time to enqueue (memory stays one page).
 *
 * Lines are read by a reader of our own with a bound: readline keeps a line whole however long it
 * is, so one line of hundreds of megabytes (a file that is not a list) grew a string past V8's
 * largest and failed with a RangeError. Here a line is refused as soon as it passes the bound.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { APPID_PATTERN } from '../core/fields';

/** The longest line a file of authorisers may have, in characters: an appid is 18, a comment a sentence. */
export const AUTHORIZER_LINE_MAX = 1024;

/** A line of the file, numbered from 1; `text` undefined when the line is longer than AUTHORIZER_LINE_MAX (reading stops there). */
interface Line {
  readonly number: number;
  readonly text: string | undefined;
}

async function* linesOf(file: string): AsyncGenerator<Line> {
  let partial = '';
  let number = 0;
  for await (const chunk of createReadStream(file, { encoding: 'utf8' }) as AsyncIterable<string>) {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end >= 0; end = chunk.indexOf('\n', start)) {
      const text = (partial + chunk.slice(start, end)).replace(/\r$/, '');
      partial = '';
      number += 1;
      yield text.length > AUTHORIZER_LINE_MAX ? { number, text: undefined } : { number, text };
      if (text.length > AUTHORIZER_LINE_MAX) return;
      start = end + 1;
    }
    partial += chunk.slice(start);
    // Stopped as soon as the line is too long: what follows of it is never held.
    if (partial.replace(/\r$/, '').length > AUTHORIZER_LINE_MAX) {
      yield { number: number + 1, text: undefined };
      return;
    }
  }
  if (partial !== '') yield { number: number + 1, text: partial.replace(/\r$/, '') };
}

export async function* authorizerFilePages(file: string, size = 500): AsyncGenerator<string[]> {
  let page: string[] = [];
  for await (const { text } of linesOf(file)) {
    // Checked before the run; a file changed since then can only add an entry recorded as not an appid.
    const line = text === undefined ? `(a line of more than ${AUTHORIZER_LINE_MAX} characters)` : text.trim();
    if (line === '' || line.startsWith('#')) continue;
    page.push(line);
    if (page.length === size) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
}

/** What is wrong with the file (`shown` is how to name it), or undefined when every line is an appid and there is one. */
export async function authorizerFileProblem(file: string, shown: string): Promise<string | undefined> {
  const found = await stat(file).catch(() => undefined);
  if (!found?.isFile()) return `names no readable file: ${shown}`;
  let count = 0;
  for await (const { number, text } of linesOf(file)) {
    if (text === undefined) return `${shown}: line ${number} is longer than ${AUTHORIZER_LINE_MAX} characters: the file must list one appid per line`;
    const line = text.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!APPID_PATTERN.test(line)) return `${shown}: line ${number} is not an appid ("wx" followed by 16 lowercase hex digits): ${JSON.stringify(line.slice(0, 40))}`;
    count += 1;
  }
  return count === 0 ? `${shown} lists no appid` : undefined;
}

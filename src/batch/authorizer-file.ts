/**
 * A file of authorisers, one appid per line (blank lines and `#` comments skipped): checked whole
 * before a run starts, then read again a page at a time to enqueue (memory stays one page).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { APPID_PATTERN } from '../core/fields';

const linesOf = (file: string) => createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });

export async function* authorizerFilePages(file: string, size = 500): AsyncGenerator<string[]> {
  let page: string[] = [];
  for await (const raw of linesOf(file)) {
    const line = raw.trim();
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
  let number = 0;
  let count = 0;
  for await (const rawLine of linesOf(file)) {
    number += 1;
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!APPID_PATTERN.test(line)) return `${shown}: line ${number} is not an appid ("wx" followed by 16 lowercase hex digits): ${JSON.stringify(line.slice(0, 40))}`;
    count += 1;
  }
  return count === 0 ? `${shown} lists no appid` : undefined;
}

import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * Every plugin call (/wxa/*) made with an authoriser token, in order: when (ms since the epoch), the
 * path, WeChat's action, for which authoriser, and the errcode answered (null when the emulator cut
 * the connection or stayed silent, as an injected fault asked). Kept in memory for in-process tests
 * and, with `--call-log FILE`, appended to FILE as JSON lines as each call is answered (written
 * synchronously, so a line is on disk even if the emulator is killed right after).
 */
export interface CallLogEntry {
  readonly t: number;
  readonly path: string;
  readonly action: string | null;
  readonly authorizer: string;
  readonly errcode: number | null;
}

export class CallLog {
  private readonly entries: CallLogEntry[] = [];
  private fd: number | undefined;

  constructor(file?: string, private readonly keepInMemory = true) {
    if (file) this.fd = openSync(file, 'a');
  }

  add(entry: CallLogEntry): void {
    if (this.keepInMemory) this.entries.push(entry);
    if (this.fd !== undefined) writeSync(this.fd, `${JSON.stringify(entry)}\n`);
  }

  all(): readonly CallLogEntry[] {
    return this.entries;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Retries and resumes the dashboard starts, driven in its own process in the background: the
 * embedded store serves one process, so whoever holds it drives the run. A POST is answered (202)
 * as soon as the library says the authorisers are back in the queue; the drive goes on, and the
 * page watches it through the counts. On SIGINT or SIGTERM every drive stops after its calls in
 * flight, as `batch resume` does.
 */
import { ProjectCode } from '../core/codes';
import { redact } from '../core/redact';
import type { BatchDriveOptions, BatchRunResult } from '../batch/api-types';
import { failure, type Answer } from './answer';

interface Drive {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

export class Drives {
  private readonly running = new Map<string, Drive>();

  constructor(private readonly warn: (line: string) => void) {}

  /** Any drive under way. */
  busy(): boolean {
    return this.running.size > 0;
  }

  driving(runId: string): boolean {
    return this.running.has(runId);
  }

  /** Starts `begin` for the run; resolves with the answer for the POST (202 once under way). */
  start(runId: string, what: 'retry' | 'resume', begin: (drive: BatchDriveOptions) => Promise<BatchRunResult>): Promise<Answer> {
    if (this.running.has(runId)) {
      return Promise.resolve({ status: 409, body: { errCode: ProjectCode.BATCH_OPTIONS_INVALID, errMsg: `dashboard:fail run ${runId} is already being driven here: wait for it, or cancel it` } });
    }
    const controller = new AbortController();
    return new Promise<Answer>((resolve) => {
      let answered = false;
      const done = begin({
        signal: controller.signal,
        onStart: (run) => {
          answered = true;
          resolve({ status: 202, body: { run: run.runId, action: what, state: 'running' } });
        },
        onWarning: (message) => this.warn(`run ${runId}: ${message}`),
      })
        .then((result) => {
          if (!answered) resolve(failure(result));
          else if (result.errCode !== 0) this.warn(`run ${runId}: ${what} ended: ${result.errMsg}`);
        })
        .catch((error: unknown) => {
          // The library never rejects; should it, the POST still gets an answer.
          if (!answered) resolve({ status: 500, body: { errCode: ProjectCode.INTERNAL, errMsg: `dashboard:fail ${what} failed unexpectedly` } });
          this.warn(`run ${runId}: ${what} failed unexpectedly: ${redact(String((error as Error)?.message ?? error))}`);
        })
        .finally(() => this.running.delete(runId));
      this.running.set(runId, { controller, done });
    });
  }

  /** Stops every drive after its calls in flight; resolves when all have. */
  async stop(): Promise<void> {
    const drives = [...this.running.values()];
    for (const drive of drives) drive.controller.abort();
    await Promise.all(drives.map((drive) => drive.done));
  }
}

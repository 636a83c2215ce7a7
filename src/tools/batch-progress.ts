/**
 * How a run shows its progress while it works, on stderr so stdout keeps the report: a bar with
 * rate and ETA (cli-progress) on a terminal, a JSON line every few seconds otherwise. The counts
 * come from the store, so they include what other workers finish.
 */
import type CliProgress from 'cli-progress';
import type { Counts } from '../batch/outcome';

export interface Progress {
  update(counts: Counts, listed: boolean): void;
  stop(): void;
}

const finishedOf = (counts: Counts) => counts.succeeded + counts.alreadyDone + counts.notAuthorised + counts.failed;

export function terminalProgress(stream: NodeJS.WriteStream, runId: string): Progress {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SingleBar } = require('cli-progress') as typeof CliProgress;
  const bar = new SingleBar(
    {
      stream,
      format: `run ${runId} {bar} {value}/{total}{more} | {rate}/s | ETA {eta_formatted} | deferred {deferred} failed {failed}`,
      etaBuffer: 50,
      hideCursor: true,
      clearOnComplete: false,
    },
    undefined,
  );
  let started = false;
  let first: { at: number; done: number } | undefined;
  return {
    update(counts, listed) {
      const done = finishedOf(counts);
      const now = Date.now();
      first ??= { at: now, done };
      const seconds = (now - first.at) / 1000;
      const payload = { rate: seconds > 0 ? Math.round((done - first.done) / seconds) : 0, deferred: counts.deferred, failed: counts.failed + counts.notAuthorised, more: listed ? '' : '+ (listing)' };
      if (!started) {
        bar.start(Math.max(counts.total, 1), done, payload);
        started = true;
      } else {
        bar.setTotal(Math.max(counts.total, 1));
        bar.update(done, payload);
      }
    },
    stop: () => started && bar.stop(),
  };
}

/** One JSON line per update, at most every `everyMs`, and the last one always. */
export function jsonProgress(write: (line: string) => void, runId: string, everyMs = 2000): Progress {
  let last = 0;
  let first: { at: number; done: number } | undefined;
  let unwritten: string | undefined;
  return {
    update(counts, listed) {
      const now = Date.now();
      const done = finishedOf(counts);
      first ??= { at: now, done };
      const seconds = (now - first.at) / 1000;
      const perSecond = seconds > 0 ? (done - first.done) / seconds : 0;
      const left = counts.total - done - counts.deferred;
      const eta = perSecond > 0 && listed ? Math.round(left / perSecond) : null;
      unwritten = `${JSON.stringify({ progress: { run: runId, done, total: counts.total, listed, deferred: counts.deferred, perSecond: Math.round(perSecond * 10) / 10, etaSeconds: eta } })}\n`;
      if (now - last < everyMs) return;
      last = now;
      write(unwritten);
      unwritten = undefined;
    },
    stop() {
      if (unwritten) write(unwritten);
      unwritten = undefined;
    },
  };
}

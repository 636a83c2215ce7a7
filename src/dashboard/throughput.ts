/**
 * How fast a run moves, as the dashboard sees it: authorisers done per second over the last half
 * minute of reads, and how long the pending ones will take at that pace. Read from the counts the
 * pages already ask for, so it costs no query of its own and holds for workers on any machine.
 */

/** Long enough to smooth the rate bound's one-second steps, short enough to follow a change of --rate. */
const WINDOW_MS = 30_000;
const MAX_SAMPLES = 64;

interface Sample {
  readonly at: number;
  readonly done: number;
}

export interface Pace {
  /** Authorisers done per second; null until two reads a second apart are there. */
  readonly throughput: number | null;
  /** Seconds until nothing is pending at that pace; null when unknown or nothing is pending. */
  readonly etaSeconds: number | null;
}

export class ThroughputMeter {
  private readonly samples = new Map<string, Sample[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** One read of a run's counts: `done` how many are no longer pending, `pending` how many are. */
  observe(runId: string, done: number, pending: number): Pace {
    const at = this.now();
    const list = this.samples.get(runId) ?? [];
    // Fewer done than before: the run was retried (authorisers back in the queue); start again.
    if (list.length && done < list[list.length - 1]!.done) list.length = 0;
    list.push({ at, done });
    while (list.length > MAX_SAMPLES || (list.length > 2 && list[0]!.at < at - WINDOW_MS)) list.shift();
    this.samples.set(runId, list);
    const first = list[0]!;
    const seconds = (at - first.at) / 1000;
    if (seconds < 1) return { throughput: null, etaSeconds: null };
    const throughput = (done - first.done) / seconds;
    const etaSeconds = pending > 0 && throughput > 0 ? Math.ceil(pending / throughput) : null;
    return { throughput: Math.round(throughput * 10) / 10, etaSeconds };
  }
}

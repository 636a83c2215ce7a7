/**
 * The rate bound shared by every worker of a component: calls to WeChat are given time slots from
 * one row in PostgreSQL, `next_at`, moved forward by one statement per reservation, so workers on
 * any number of machines draw from the same sequence and no two slots are closer than the spacing.
 * The database's clock decides, not each machine's.
 *
 * `--rate N` promises at most N calls in any one-second window. Slots are spaced for 95 % of N: a
 * call can reach WeChat a little later than its slot (scheduling, the network), and the margin keeps
 * N+1 calls from landing inside one second unless one is more than ~50 ms later than the next.
 */
import type { SqlDb } from './sql';

/** The share of `--rate` slots are spaced for (see above). */
export const PACING_SHARE = 0.95;
/** A safe default when `--rate` is not given: WeChat publishes no per-component figure (docs/third-party.md). */
export const DEFAULT_RATE = 20;

export function slotSpacingMs(rate: number): number {
  return 1000 / (rate * PACING_SHARE);
}

/** Slots granted at once: the first at `firstAt`, then one every `spacingMs`; `now` on the same clock. */
export interface Reservation {
  readonly firstAt: number;
  readonly now: number;
  readonly count: number;
  readonly spacingMs: number;
}

/** Reserves `count` consecutive slots; the whole component shares what it reserves from. */
export type ReserveSlots = (count: number) => Promise<Reservation>;

/**
 * The reservation rule, as the SQL applies it: the first slot is the later of `next_at` and now, and
 * `next_at` moves past the last one. Kept here too so the rule is tested on its own.
 */
export function reserveFrom(nextAt: number, now: number, count: number, spacingMs: number): { reservation: Reservation; nextAt: number } {
  const firstAt = Math.max(nextAt, now);
  return { reservation: { firstAt, now, count, spacingMs }, nextAt: firstAt + count * spacingMs };
}

export const RATE_TABLE = 'wxplugin_batch.rate';

/** The SQL form: one UPDATE, whatever the number of workers. `rate` may change (a run slowed down by 45011). */
export function sqlReserve(db: SqlDb, key: string, rate: number | (() => number)): ReserveSlots {
  return async (count) => {
    const spacingMs = slotSpacingMs(typeof rate === 'function' ? rate() : rate);
    const { rows } = await db.query<{ first_at: number; now_ms: number }>(
      `WITH clock AS (SELECT extract(epoch FROM clock_timestamp()) * 1000 AS now_ms)
       UPDATE ${RATE_TABLE} SET next_at = GREATEST(next_at, clock.now_ms) + $2::float8 * $3::float8
       FROM clock WHERE key = $1
       RETURNING next_at - $2::float8 * $3::float8 AS first_at, clock.now_ms AS now_ms`,
      [key, count, spacingMs],
    );
    const row = rows[0];
    if (!row) throw new Error(`no rate row for ${key}`);
    return { firstAt: Number(row.first_at), now: Number(row.now_ms), count, spacingMs };
  };
}

export async function ensureRateRow(db: SqlDb, key: string): Promise<void> {
  await db.query(`INSERT INTO ${RATE_TABLE} (key, next_at) VALUES ($1, 0) ON CONFLICT (key) DO NOTHING`, [key]);
}

const RESERVE_LINGER_MS = 2;

type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * One process's side of the limiter: callers wait in line, and whoever is waiting when a reservation
 * is made shares it (one statement for a crowd of callers instead of one each). `take()` resolves at
 * the caller's slot.
 */
export class SharedLimiter {
  private waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private reserving = false;

  constructor(
    private readonly reserve: ReserveSlots,
    private readonly maxBlock: number,
    private readonly sleep: Sleep = realSleep,
    private readonly now: () => number = Date.now,
  ) {}

  take(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.reserving) return;
    this.reserving = true;
    // A moment for the callers arriving together to share one reservation.
    await this.sleep(RESERVE_LINGER_MS);
    while (this.waiting.length) {
      const group = this.waiting.splice(0, this.maxBlock);
      try {
        const reservation = await this.reserve(group.length);
        const answeredAt = this.now();
        // The database's "now" is the reference: slot i is (firstAt - now) + i * spacing from the answer.
        group.forEach(({ resolve }, index) => {
          const delay = reservation.firstAt - reservation.now + index * reservation.spacingMs;
          void this.sleep(delay - (this.now() - answeredAt)).then(resolve);
        });
      } catch (error) {
        group.forEach(({ reject }) => reject(error));
      }
    }
    this.reserving = false;
  }
}

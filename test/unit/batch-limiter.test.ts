/**
 * The shared rate limiter: the slot rule the SQL applies (one row, moved by one statement), and one
 * process's side of it (callers arriving together share one reservation, each resolved at its slot).
 */
import fc from 'fast-check';
import { PACING_SHARE, reserveFrom, SharedLimiter, slotSpacingMs, type Reservation } from '../../src/batch/limiter';
import { Coalescer } from '../../src/batch/coalesce';
import { busiestSecond } from '../support/batch';

describe('the slot rule', () => {
  test('property: however reservations arrive, at most `rate` slots fall in any second, never before they were asked for', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 400 }), count: fc.integer({ min: 1, max: 40 }) }), { minLength: 1, maxLength: 60 }),
        (rate, requests) => {
          const spacing = slotSpacingMs(rate);
          let nextAt = 0;
          let now = 1_000_000;
          const slots: number[] = [];
          for (const { gap, count } of requests) {
            now += gap;
            const { reservation, nextAt: moved } = reserveFrom(nextAt, now, count, spacing);
            nextAt = moved;
            if (reservation.firstAt < now) return false;
            for (let index = 0; index < count; index += 1) slots.push(reservation.firstAt + index * spacing);
          }
          return busiestSecond(slots) <= rate;
        },
      ),
    );
  });

  test('a steady crowd gets the pacing share of the bound, no less', () => {
    const rate = 100;
    const spacing = slotSpacingMs(rate);
    let nextAt = 0;
    const slots: number[] = [];
    // 2000 callers asking all at once, in blocks of 10.
    for (let block = 0; block < 200; block += 1) {
      const { reservation, nextAt: moved } = reserveFrom(nextAt, 0, 10, spacing);
      nextAt = moved;
      for (let index = 0; index < 10; index += 1) slots.push(reservation.firstAt + index * spacing);
    }
    const seconds = (slots[slots.length - 1]! - slots[0]!) / 1000;
    expect(slots.length / seconds).toBeGreaterThanOrEqual(rate * PACING_SHARE * 0.99);
    expect(busiestSecond(slots)).toBeLessThanOrEqual(rate);
  });
});

describe('SharedLimiter', () => {
  function fakeReserve(spacingMs: number) {
    const asked: number[] = [];
    let nextAt = 0;
    const reserve = async (count: number): Promise<Reservation> => {
      asked.push(count);
      const { reservation, nextAt: moved } = reserveFrom(nextAt, 0, count, spacingMs);
      nextAt = moved;
      return reservation;
    };
    return { asked, reserve };
  }

  test('callers arriving together share reservations of at most maxBlock, each waits for its own slot', async () => {
    const { asked, reserve } = fakeReserve(10);
    const waits: number[] = [];
    // A clock that stands still: the waits are the slots themselves, whatever the machine's load.
    const limiter = new SharedLimiter(reserve, 4, async (ms) => void waits.push(ms), () => 1_000);
    await Promise.all(Array.from({ length: 10 }, () => limiter.take()));
    expect(asked).toEqual([4, 4, 2]);
    // The first wait is the linger before reserving; then one per caller, 10 ms apart.
    expect(waits.slice(1).sort((a, b) => a - b)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
  });

  test('time spent since the reservation was answered is taken off each caller\'s wait', async () => {
    const { reserve } = fakeReserve(10);
    const waits: number[] = [];
    let clock = 0;
    // Every reading of the clock finds it 3 ms later: the answer is read at 0, the callers at 3, 6, 9.
    const limiter = new SharedLimiter(reserve, 4, async (ms) => void waits.push(ms), () => (clock += 3) - 3);
    await Promise.all(Array.from({ length: 3 }, () => limiter.take()));
    expect(waits.slice(1)).toEqual([0 - 3, 10 - 6, 20 - 9]);
  });

  test('a reservation that fails rejects exactly the callers it was for, and the next ones still get theirs', async () => {
    let calls = 0;
    const limiter = new SharedLimiter(
      async (count) => {
        calls += 1;
        if (calls === 1) throw new Error('store down');
        return { firstAt: 0, now: 0, count, spacingMs: 1 };
      },
      2,
      async () => undefined,
    );
    const results = await Promise.allSettled([limiter.take(), limiter.take(), limiter.take()]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
  });
});

describe('Coalescer', () => {
  test('writes arriving together go in one write; each caller resolves only after its write', async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    const coalescer = new Coalescer<number>(async (items) => {
      writes.push(items);
      if (writes.length === 1) await new Promise<void>((resolve) => (release = resolve));
    }, 1);
    let firstDone = false;
    const first = Promise.all([coalescer.add(1), coalescer.add(2)]).then(() => (firstDone = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // While the first write is under way, later items wait and form the next write.
    const second = Promise.all([coalescer.add(3), coalescer.add(4)]);
    expect(firstDone).toBe(false);
    release();
    await Promise.all([first, second]);
    expect(writes).toEqual([[1, 2], [3, 4]]);
  });

  test('a failed write rejects its own callers only', async () => {
    let calls = 0;
    const coalescer = new Coalescer<number>(async () => {
      calls += 1;
      if (calls === 1) throw new Error('no');
    }, 0);
    await expect(coalescer.add(1)).rejects.toThrow('no');
    await expect(coalescer.add(2)).resolves.toBeUndefined();
  });
});

describe('a wait longer than the longest timer', () => {
  test('a slot more than 24.8 days away is waited for, not taken at once (Node fires a longer timer after 1 ms)', async () => {
    jest.useFakeTimers();
    try {
      const far = 2 ** 31 + 5_000;
      const limiter = new SharedLimiter(async (count) => ({ firstAt: Date.now() + far, now: Date.now(), count, spacingMs: 1 }), 10);
      let taken = false;
      void limiter.take().then(() => (taken = true));
      await jest.advanceTimersByTimeAsync(60_000);
      expect(taken).toBe(false);
      await jest.advanceTimersByTimeAsync(far - 60_000 + 10);
      expect(taken).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});


/**
 * The dashboard's pace of a run: authorisers done per second over the last half minute of reads, and
 * the time left at that pace. On a clock the test moves by hand.
 */
import { ThroughputMeter } from '../../src/dashboard/throughput';

test('unknown until reads a second apart; then done per second and the time left at that pace', () => {
  let now = 0;
  const meter = new ThroughputMeter(() => now);
  expect(meter.observe('r', 0, 1000)).toEqual({ throughput: null, etaSeconds: null });
  now = 500;
  expect(meter.observe('r', 5, 995)).toEqual({ throughput: null, etaSeconds: null });
  now = 2000;
  expect(meter.observe('r', 20, 980)).toEqual({ throughput: 10, etaSeconds: 98 });
  // Another run has its own reads.
  expect(meter.observe('other', 7, 3)).toEqual({ throughput: null, etaSeconds: null });
});

test('the window follows the last half minute: a run that slowed down reads slower', () => {
  let now = 0;
  const meter = new ThroughputMeter(() => now);
  for (let second = 0; second <= 60; second += 1) {
    now = second * 1000;
    // 20/s for the first 30 s, then 2/s.
    meter.observe('r', second <= 30 ? second * 20 : 600 + (second - 30) * 2, 10_000);
  }
  now = 61_000;
  const pace = meter.observe('r', 662, 9_000);
  expect(pace.throughput).toBeCloseTo(2, 0);
  expect(pace.etaSeconds).toBe(Math.ceil(9_000 / pace.throughput!));
});

test('nothing pending: no time left to tell; fewer done than before (a retry): the pace starts again', () => {
  let now = 0;
  const meter = new ThroughputMeter(() => now);
  meter.observe('r', 0, 10);
  now = 5000;
  expect(meter.observe('r', 10, 0)).toEqual({ throughput: 2, etaSeconds: null });
  now = 6000;
  expect(meter.observe('r', 4, 6)).toEqual({ throughput: null, etaSeconds: null });
  now = 8000;
  expect(meter.observe('r', 8, 2)).toEqual({ throughput: 2, etaSeconds: 1 });
});

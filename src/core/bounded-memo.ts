/**
 * The results of a pure function, remembered for the first `capacity` distinct keys only: the
 * per-call path looks the same few things up again and again (a client's one or two origins,
 * WeChat's small vocabulary of answer keys), while what a key can be is up to the other side, so
 * memory must not grow with it. Keys past the capacity are computed each time, never evicting
 * the ones that came first.
 */
export class BoundedMemo<K, V> {
  private readonly remembered = new Map<K, V>();

  constructor(
    private readonly compute: (key: K) => V,
    private readonly capacity: number,
  ) {}

  get(key: K): V {
    // `has`, not `get() === undefined`: a remembered result may itself be undefined.
    if (this.remembered.has(key)) return this.remembered.get(key)!;
    const value = this.compute(key);
    if (this.remembered.size < this.capacity) this.remembered.set(key, value);
    return value;
  }

  /** How many keys are remembered (at most the capacity). */
  get size(): number {
    return this.remembered.size;
  }
}

/**
 * One process's locks by name: `run(name, work)` starts `work` only after every earlier `run` of
 * the same name has settled. Names with no one waiting hold no memory, so a lock per authoriser
 * stays cheap with 100,000 of them.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(name: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    const mine = previous.then(() => work());
    // The queue's tail never rejects, so the next in line always starts.
    const tail = mine.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(name, tail);
    try {
      return await mine;
    } finally {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }
}

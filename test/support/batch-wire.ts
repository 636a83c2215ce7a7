/**
 * The wire between jest's process and a batch host (batch-host.ts), both sides: JSON lines, with
 * what JSON cannot carry given as references the other side calls back through. Batch runs need
 * Node 22.12 or later (pg-boss 12); jest runs on the machine's Node, so a program's use of
 * `openBatch` is tested in a child process on WeChat's Node 22.21 and 24.11 builds, with the
 * program's callbacks, signals and iterables still in jest's process.
 */
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';

export type Message =
  | { readonly t: 'invoke'; readonly id: number; readonly target: number | null; readonly method: string; readonly args: unknown }
  | { readonly t: 'call'; readonly id: number; readonly fn: number; readonly args: unknown }
  | { readonly t: 'next'; readonly id: number; readonly iter: number }
  | { readonly t: 'abort'; readonly signal: number }
  | { readonly t: 'return'; readonly id: number; readonly value: unknown }
  | { readonly t: 'throw'; readonly id: number; readonly message: string };

type UnionKeys<U> = { [K in U extends unknown ? keyof U : never]: unknown };
type WithoutId<M> = M extends unknown ? Omit<M, 'id'> : never;
type Request = WithoutId<Extract<Message, { t: 'invoke' | 'call' | 'next' }>>;

type Encoded = { $date: string } | { $fn: number } | { $signal: number; aborted: boolean } | { $iter: number } | { $undefined: true };

/** One side of the wire: sends requests and answers them, encoding what is not JSON as references. */
export class Wire {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly functions = new Map<number, (...args: unknown[]) => unknown>();
  private readonly iterables = new Map<number, { source: AsyncIterable<unknown> | Iterable<unknown>; iterator?: AsyncIterator<unknown> | Iterator<unknown> }>();
  private readonly controllers = new Map<number, AbortController>();

  constructor(
    private readonly out: Writable,
    input: Readable,
    /** What an `invoke` from the other side does (the host's side: the batch's methods). */
    private readonly onInvoke: (target: number | null, method: string, args: unknown[]) => Promise<unknown> = () => Promise.reject(new Error('nothing to invoke here')),
  ) {
    createInterface({ input }).on('line', (line) => void this.receive(JSON.parse(line) as Message));
  }

  private send(message: Message): void {
    this.out.write(`${JSON.stringify(message)}\n`);
  }

  request(message: Request): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ ...message, id } as Message);
    });
  }

  /** Invokes `method` on the other side's object `target` (null: the host itself). */
  invoke(target: number | null, method: string, args: readonly unknown[]): Promise<unknown> {
    return this.request({ t: 'invoke', target, method, args: this.encode(args) });
  }

  private async receive(message: Message): Promise<void> {
    if (message.t === 'return' || message.t === 'throw') {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.t === 'return') waiting?.resolve(this.decode(message.value));
      else waiting?.reject(new Error(message.message));
      return;
    }
    if (message.t === 'abort') {
      this.controllers.get(message.signal)?.abort();
      return;
    }
    try {
      let value: unknown;
      if (message.t === 'invoke') value = await this.onInvoke(message.target, message.method, this.decode(message.args) as unknown[]);
      else if (message.t === 'call') value = await this.functions.get(message.fn)!(...(this.decode(message.args) as unknown[]));
      else {
        const entry = this.iterables.get(message.iter)!;
        entry.iterator ??= Symbol.asyncIterator in entry.source ? (entry.source as AsyncIterable<unknown>)[Symbol.asyncIterator]() : (entry.source as Iterable<unknown>)[Symbol.iterator]();
        value = await entry.iterator.next();
      }
      this.send({ t: 'return', id: message.id, value: this.encode(value) });
    } catch (error) {
      this.send({ t: 'throw', id: message.id, message: error instanceof Error ? error.message : String(error) });
    }
  }

  encode(value: unknown): unknown {
    if (value === undefined) return { $undefined: true };
    if (value instanceof Date) return { $date: value.toISOString() };
    if (typeof value === 'function') {
      const id = this.nextId++;
      this.functions.set(id, value as (...args: unknown[]) => unknown);
      return { $fn: id };
    }
    if (value instanceof AbortSignal) {
      const id = this.nextId++;
      value.addEventListener('abort', () => this.send({ t: 'abort', signal: id }));
      return { $signal: id, aborted: value.aborted };
    }
    if (Array.isArray(value)) return value.map((item) => this.encode(item));
    if (typeof value === 'object' && value !== null) {
      if (Symbol.asyncIterator in value || Symbol.iterator in value) {
        const id = this.nextId++;
        this.iterables.set(id, { source: value as AsyncIterable<unknown> });
        return { $iter: id };
      }
      return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined).map(([key, item]) => [key, this.encode(item)]));
    }
    return value;
  }

  decode(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.decode(item));
    if (typeof value !== 'object' || value === null) return value;
    const encoded = value as Partial<Record<keyof UnionKeys<Encoded>, unknown>> & Record<string, unknown>;
    if (encoded.$undefined === true) return undefined;
    if (typeof encoded.$date === 'string') return new Date(encoded.$date);
    if (typeof encoded.$fn === 'number') {
      const fn = encoded.$fn;
      return (...args: unknown[]) => {
        const answer = this.request({ t: 'call', fn, args: this.encode(args) });
        answer.catch(() => undefined);
        return answer;
      };
    }
    if (typeof encoded.$signal === 'number') {
      const controller = new AbortController();
      this.controllers.set(encoded.$signal, controller);
      if (encoded.aborted === true) controller.abort();
      return controller.signal;
    }
    if (typeof encoded.$iter === 'number') {
      const iter = encoded.$iter;
      return {
        [Symbol.asyncIterator]: () => ({ next: () => this.request({ t: 'next', iter }) as Promise<IteratorResult<unknown>> }),
      };
    }
    return Object.fromEntries(Object.entries(encoded).map(([key, item]) => [key, this.decode(item)]));
  }
}

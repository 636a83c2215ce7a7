import type * as Http from 'node:http';
import type { Socket } from 'node:net';
import { MAX_ANSWER_BYTES } from '../core/remote';

/**
 * The largest answer an SDK attempt may receive. WeChat's answers are a few hundred bytes;
 * wx-server-sdk buffers a body whole and then copies and parses it (a 100 MB answer peaked at
 * 396 MiB, in a function that has 256 MB, and its parse could outlast the time limit).
 */
export const MAX_SDK_ANSWER_BYTES = MAX_ANSWER_BYTES;

/** Told when a request made during its attempt has read more than MAX_SDK_ANSWER_BYTES. */
type OnTooLarge = (bytes: number) => void;

const attempts = new Set<OnTooLarge>();

/**
 * Bounds every request the SDK makes until the returned function is called: a request that reads
 * more than MAX_SDK_ANSWER_BYTES is destroyed at its socket, before the SDK buffers the rest, and
 * `onTooLarge` is told. Only requests made while an attempt watches are bounded: the function's
 * other uses of the SDK (storage, database) keep their own sizes.
 */
export function watchAnswers(onTooLarge: OnTooLarge): () => void {
  attempts.add(onTooLarge);
  return () => attempts.delete(onTooLarge);
}

/**
 * The `http` or `https` module as the SDK's request core sees it (the build routes its require
 * through here, scripts/esbuild-plugins.mjs): the same module, whose `request` bounds the answer.
 * Counting what the socket reads, in a listener placed before Node's HTTP parser, cuts an answer
 * whatever its shape (declared length or not, protobuf or JSON) and whichever agent carries it;
 * looking at the sockets from outside, every few milliseconds, let a fast 100 MB answer through.
 */
export function withAnswerCap<T extends Pick<typeof Http, 'request'>>(module: T): T {
  const request = (...args: Parameters<typeof Http.request>): Http.ClientRequest => capped(module.request(...args));
  return Object.create(module, { request: { value: request, enumerable: true } }) as T;
}

function capped(request: Http.ClientRequest): Http.ClientRequest {
  if (attempts.size === 0) return request;
  const watchers = [...attempts];
  let cut = false;
  const tooLarge = (bytes: number): void => {
    if (cut) return;
    cut = true;
    request.destroy(Object.assign(new Error(`answer larger than ${MAX_SDK_ANSWER_BYTES} bytes`), { code: 'ERR_ANSWER_TOO_LARGE' }));
    for (const watcher of watchers) watcher(bytes);
  };
  request.once('socket', (socket: Socket) => {
    // A kept-alive socket may be reused: count only what it reads for this request.
    let read = 0;
    const onData = (chunk: Buffer): void => {
      read += chunk.length;
      if (read <= MAX_SDK_ANSWER_BYTES) return;
      socket.removeListener('data', onData);
      tooLarge(read);
    };
    socket.prependListener('data', onData);
    request.once('close', () => socket.removeListener('data', onData));
  });
  // A declared length past the bound is refused before its body is read at all.
  request.once('response', (response: Http.IncomingMessage) => {
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_SDK_ANSWER_BYTES) tooLarge(declared);
  });
  return request;
}

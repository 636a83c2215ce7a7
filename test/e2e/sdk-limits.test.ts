/**
 * What the SDK transport bounds, on the committed bundle with the real wx-server-sdk inside, in
 * child processes: the size of an answer (cut at the socket, in a cloud function or run by hand),
 * and the SDK's own timeout (each invocation's, in one warm container).
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MAX_SDK_ANSWER_BYTES } from '../../src/cloud/sdk-transport';
import { ProjectCode } from '../../src/core/codes';
import type { Emulator } from '../../src/emulator/gateway';
import { encodeOpenApiResponse } from '../../src/emulator/wire';
import { invokeCloudFunction, platformEnvironment, PROJECT_ROOT } from '../../src/platform/invoke';
import { ADMIN, PLUGIN_MANAGER_DIR, withEmulator } from '../support/harness';

// Each test runs the function in a child process against answers of 100 MB: generous on a loaded machine.
jest.setTimeout(120_000);

const HUNDRED_MB = 100 * 1024 * 1024;
/** The function's memory in the cloud (256 MB), in KiB as the bootstrap reports peak RSS. */
const FUNCTION_MEMORY_KB = 256 * 1024;
const listEvent = { action: 'list' };

/**
 * The two ways the function meets the SDK: in a cloud function (TENCENTCLOUD_RUNENV=SCF), and run
 * by hand as docs/emulator.md shows (no TENCENTCLOUD_RUNENV; TENCENTCLOUD=true only spares the SDK
 * its metadata-server lookup, which would leave loopback).
 */
const PLACES: ReadonlyArray<readonly [string, Record<string, string>]> = [
  ['in a cloud function', {}],
  ['run by hand (no TENCENTCLOUD_RUNENV)', { TENCENTCLOUD_RUNENV: '', TENCENTCLOUD: 'true' }],
];

/** A 100 MB answer the gateway could send: its content type, whether its length is declared, and its first and last bytes around padding. */
interface Shape {
  readonly contentType: string;
  readonly declareLength: boolean;
  readonly head: Buffer;
  readonly tail: Buffer;
}

function varint(value: number): number[] {
  const bytes: number[] = [];
  for (let left = value; left >= 128; left = Math.floor(left / 128)) bytes.push((left % 128) | 0x80);
  bytes.push(value >= 128 ? Math.floor(value / 128 ** bytes.length) : value);
  return bytes;
}

/**
 * WeChat's success as the gateway wraps it, 100 MB in all: a CommOpenApiResp whose respData
 * (field 1) is `{"errcode":0,"errmsg":"ok","pad":"xxx…"}`, then contentType (2) and httpCode (4).
 */
function protobufShape(declareLength: boolean): Shape {
  const after = encodeOpenApiResponse({ contentType: 'application/json' });
  const open = Buffer.from('{"errcode":0,"errmsg":"ok","pad":"');
  const close = Buffer.from('"}');
  // Field 1: its tag (1 byte) and the length as a varint (4 bytes for about 100 MB), then the bytes.
  const respDataLength = HUNDRED_MB - 5 - after.length;
  return {
    contentType: 'application/octet-stream',
    declareLength,
    head: Buffer.concat([Buffer.from([0x0a, ...varint(respDataLength)]), open]),
    tail: Buffer.concat([close, after]),
  };
}

const gatewayJson = (contentType: string, declareLength: boolean): Shape => ({ contentType, declareLength, head: Buffer.from('{"code":"SYS_ERR","message":"'), tail: Buffer.from('"}') });

const SHAPES: ReadonlyArray<readonly [string, Shape]> = [
  ['protobuf, length declared', protobufShape(true)],
  ['protobuf, streamed', protobufShape(false)],
  ['gateway JSON, length declared', gatewayJson('application/json; charset=utf-8', true)],
  ['gateway JSON, streamed', gatewayJson('application/json', false)],
  ['text, streamed', { contentType: 'text/plain', declareLength: false, head: Buffer.alloc(0), tail: Buffer.alloc(0) }],
];

/** A gateway that answers every request with 100 MB in `shape`, as fast as the client reads; records how much each answer got out. */
async function hugeGateway(shape: Shape): Promise<{ url: string; written: number[]; close: () => Promise<void> }> {
  const written: number[] = [];
  const padding = Buffer.alloc(64 * 1024, 0x78);
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      const index = written.push(0) - 1;
      response.writeHead(200, { 'content-type': shape.contentType, ...(shape.declareLength ? { 'content-length': String(HUNDRED_MB) } : {}) });
      const middle = HUNDRED_MB - shape.head.length - shape.tail.length;
      let sent = 0;
      const next = (): Buffer | undefined => {
        if (sent === 0 && shape.head.length > 0) return shape.head;
        const padded = sent - shape.head.length;
        if (padded < middle) return padding.subarray(0, Math.min(padding.length, middle - padded));
        return sent < HUNDRED_MB ? shape.tail : undefined;
      };
      const pump = (): void => {
        for (let piece = next(); piece !== undefined && !response.destroyed; piece = next()) {
          sent += piece.length;
          written[index] = sent;
          if (!response.write(piece)) return void response.once('drain', pump);
        }
        response.end();
      };
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin`,
    written,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.each(PLACES)('a 100 MB answer through the SDK, %s', (_place, platformEnv) => {
  test.each(SHAPES)('%s: cut at the socket, -930203, and the function stays far under its 256 MB', async (_name, shape) => {
    const gateway = await hugeGateway(shape);
    try {
      const outcome = await invokeCloudFunction({
        functionDir: PLUGIN_MANAGER_DIR,
        event: listEvent,
        gatewayUrl: gateway.url,
        caller: { openid: ADMIN, source: 'wx_client' },
        functionEnv: { ADMIN_OPENIDS: ADMIN },
        platformEnv,
        // Long enough for 100 MB to be pushed on a loaded machine: what is asserted is the cut and the memory, not the speed.
        timeLimitMs: 30_000,
      });
      if (outcome.report.kind !== 'returned') throw new Error(`the function did not return: ${JSON.stringify(outcome.report)}\n${outcome.stderr}`);
      expect(outcome.report.result).toMatchObject({ errCode: ProjectCode.UNEXPECTED_ANSWER, retryable: false, attempts: 1 });
      expect((outcome.report.result as { errMsg: string }).errMsg).toContain(`larger than ${MAX_SDK_ANSWER_BYTES} bytes`);
      // Node's own heap and the SDK's code are about 60 MB; a whole 100 MB answer, read, copied and parsed, is several times that.
      expect(outcome.report.maxRssKb).toBeLessThan(FUNCTION_MEMORY_KB / 2);
      // What the gateway got out before the function let go: the bound plus the sockets' buffers.
      expect(gateway.written).toHaveLength(1);
      expect(gateway.written[0]).toBeLessThan(MAX_SDK_ANSWER_BYTES + 32 * 1024 * 1024);
    } finally {
      await gateway.close();
    }
  });
});

describe('the SDK timeout in a warm container', () => {
  interface WarmReport {
    readonly results: ReadonlyArray<{ timeLimitMs: number; errCode: number; attempts: number; ms: number }>;
  }

  function warm(emulator: Emulator, timeLimitsMs: readonly number[]): Promise<WarmReport> {
    const functionDir = PLUGIN_MANAGER_DIR;
    const env = {
      ...platformEnvironment({ functionDir, event: listEvent, gatewayUrl: emulator.gatewayUrl, caller: { openid: ADMIN, source: 'wx_client' }, functionEnv: { ADMIN_OPENIDS: ADMIN } }, { id: 'AKIDwarm', key: 'warm-key', token: 'warm-token' }),
      WARM_INVOKE: JSON.stringify({ functionDir, event: listEvent, timeLimitsMs }),
    };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(PROJECT_ROOT, 'test', 'support', 'warm-invoke.cjs')], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      child.on('message', (message) => {
        resolve(message as WarmReport);
        child.send('done');
      });
      child.on('error', reject);
    });
  }

  test('is each invocation\'s own: after a 1 s invocation, a 6 s one waits for a gateway that answers in 1.5 s', () =>
    withEmulator(async (emulator) => {
      emulator.faults.add({ kind: 'slow', delayMs: 1500, times: Infinity });
      const { results } = await warm(emulator, [1000, 6000]);
      // 1 s: the function's own deadline (or the SDK's timeout, a little after it) answers first.
      expect([ProjectCode.DEADLINE_EXCEEDED, -501001]).toContain(results[0]!.errCode);
      // 6 s: the first attempt waits the 1.5 s and succeeds (it used to time out at the first invocation's 1 s, three times).
      expect(results[1]).toMatchObject({ errCode: 0, attempts: 1 });
    }));
});

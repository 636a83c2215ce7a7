import busboy from 'busboy';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { FaultQueue } from './faults';
import { httpsApi, type HttpsApi, type HttpsApiOptions } from './https-api';
import { cloudApisOf, OPERATIONS } from '../core/operations';
import { answer, handlerFor, unknownAction } from './handlers';
import { DEMO_MINI_PROGRAM_APPID, PluginWorld, type WechatAnswer } from './plugin-world';
import { answerFault, sendGatewayJson, sendJson, sendOpenApi, sendWechatJson } from './responses';
import type { RecordedCall, RouteContext } from './route-context';
import { decodeOpenApiRequest } from './wire';

/**
 * A loopback stand-in for WeChat's back end, as two clients meet it:
 * - the CloudBase gateway that wx-server-sdk posts `wx.openApi` calls to (multipart + protobuf);
 * - (see https-api.ts) the HTTPS API `api.weixin.qq.com` that servers call with an access token.
 * Both answer from one PluginWorld, so an application made one way is seen the other way.
 */

export interface EmulatorOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** The mini-program on whose behalf calls arrive (the gateway knows it from the caller's token). */
  readonly miniProgramAppid?: string;
  /** The APIs the calling function's config.json grants; anything else answers -604101. */
  readonly grantedApis?: Iterable<string>;
  readonly world?: PluginWorld;
  /** The HTTPS API's credentials and token lifetime. */
  readonly https?: HttpsApiOptions;
  /**
   * Cloud-call names the gateway no longer knows: it answers -604100 for them, as a gateway that
   * accepts only the newer page's names would.
   */
  readonly retiredApis?: Iterable<string>;
  /** Answer 89256 to update made with a mini-program's own token, the cloud call included (reported; see docs/errors.md). */
  readonly updateNeedsComponent?: boolean;
}

export interface Emulator {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** The gateway URL for TCB_CONTEXT_CNFG: `http://127.0.0.1:PORT/admin` */
  readonly gatewayUrl: string;
  readonly world: PluginWorld;
  readonly faults: FaultQueue;
  readonly calls: RecordedCall[];
  /** Control of the HTTPS API's tokens (expire, revoke) and what it was asked. */
  readonly https: HttpsApi;
  /** Connections open to the emulator right now (both surfaces): what a client left open. */
  openConnections(): number;
  close(): Promise<void>;
}

export { DEMO_MINI_PROGRAM_APPID };
export type { RecordedCall, RouteContext };
export const GATEWAY_PATH = '/admin';

/** Every cloud API an operation of the registry calls: what a function may be granted. */
const CLOUD_APIS = cloudApisOf(OPERATIONS);

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Multipart fields as bytes: latin1 maps each byte to one character, so nothing is lost. */
function parseMultipart(request: IncomingMessage, body: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const fields = new Map<string, Buffer>();
    const parser = busboy({ headers: request.headers, defCharset: 'latin1', defParamCharset: 'latin1' });
    parser.on('field', (name, value) => fields.set(name, Buffer.from(value, 'latin1')));
    parser.on('file', (name, stream) => {
      const parts: Buffer[] = [];
      stream.on('data', (part: Buffer) => parts.push(part));
      stream.on('end', () => fields.set(name, Buffer.concat(parts)));
    });
    parser.on('close', () => resolve(fields));
    parser.on('error', reject);
    parser.end(body);
  });
}

function isSigned(authorization: string | undefined): boolean {
  const id = /Credential=([^/,\s]*)\//.exec(authorization ?? '')?.[1];
  return id !== undefined && id !== '' && id !== 'undefined';
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const world = options.world ?? new PluginWorld();
  if (options.updateNeedsComponent) world.updateNeedsComponent = true;
  const retired = new Set(options.retiredApis ?? []);
  const faults = new FaultQueue();
  const calls: RecordedCall[] = [];
  const granted = new Set(options.grantedApis ?? CLOUD_APIS);
  const miniProgramAppid = options.miniProgramAppid ?? DEMO_MINI_PROGRAM_APPID;
  const sockets = new Set<Socket>();
  const https = httpsApi(options.https);

  const context: RouteContext = {
    world,
    faults,
    calls,
    miniProgramAppid,
    async connectionFault(fault, response, apply) {
      if (fault?.kind === 'silent') return true;
      if (fault?.kind === 'drop') {
        if (fault.afterApplying) apply();
        response.socket?.destroy();
        return true;
      }
      if (fault?.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      return false;
    },
  };

  async function handleGateway(request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<void> {
    // The SDK's other services (database, functions, storage) post JSON; the emulator speaks only
    // wx.openApi and answers them as the gateway answers an action it does not know.
    if (/^application\/json/.test(request.headers['content-type'] ?? '')) {
      const { action } = JSON.parse(body.toString('utf8') || '{}') as { action?: unknown };
      return sendGatewayJson(response, 'INVALID_PARAM', `the emulator does not serve ${String(action)}`);
    }
    const form = await parseMultipart(request, body);
    const text = (name: string): string => form.get(name)?.toString('utf8') ?? '';
    const apiName = text('apiName');
    const requestData = form.get('requestData');
    const fields = requestData ? decodeOpenApiRequest(requestData).fields : {};
    const fault = faults.take();
    const signed = isSigned(request.headers.authorization);
    calls.push({ surface: 'cloud', apiName, fields, signed, envName: text('envName'), ...(fault ? { fault: fault.kind } : {}) });

    if (text('action') !== 'wx.openApi') return sendGatewayJson(response, 'INVALID_PARAM', `unsupported action ${text('action')}`);
    // A request that is neither signed nor carries a WeChat cloud token is not from a function.
    if (!signed && !text('wxCloudApiToken') && !text('wxCloudbaseAccesstoken')) {
      return sendGatewayJson(response, 'SIGN_PARAM_INVALID', 'authorization is missing or invalid');
    }
    const found = handlerFor({ cloudApi: apiName }, fields);
    const known = found.known && !retired.has(apiName);
    const handler = found.handler;
    // Only a call the gateway would let through changes the world, even when its answer is lost.
    const act = (): WechatAnswer => {
      if (!known) return answer(-604100);
      if (!granted.has(apiName)) return answer(-604101);
      return handler ? handler(world, miniProgramAppid, fields) : unknownAction();
    };
    if (await context.connectionFault(fault, response, act)) return;
    if (fault && answerFault(fault, response, 'cloud')) return;
    if (!known) return sendOpenApi(response, { errorCode: -604100 });
    if (!granted.has(apiName)) return sendOpenApi(response, { errorCode: -604101 });
    sendWechatJson(response, act());
  }

  const server = createServer((request, response) => {
    void (async () => {
      try {
        const body = await readBody(request);
        const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
        if (request.method === 'POST' && path === GATEWAY_PATH) return await handleGateway(request, body, response);
        if (await https.route(request, body, response, context)) return;
        sendJson(response, { errcode: 404, errmsg: `no such endpoint ${request.method} ${path}` }, 404);
      } catch (error) {
        if (!response.headersSent) sendJson(response, { errcode: -1, errmsg: `emulator error: ${(error as Error).message}` }, 500);
      }
    })();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    gatewayUrl: `${url}${GATEWAY_PATH}`,
    world,
    faults,
    calls,
    https: https.control,
    openConnections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}


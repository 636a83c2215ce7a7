import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Fault } from './faults';
import { errmsgOf } from './handlers';
import type { WechatAnswer } from './plugin-world';
import { encodeOpenApiResponse } from './wire';

/** How the emulator answers: the gateway's JSON errors, protobuf answers, and injected faults. */

export function sendGatewayJson(response: ServerResponse, code: string, message: string, charset = true): void {
  response.writeHead(200, { 'content-type': charset ? 'application/json; charset=utf-8' : 'application/json' });
  response.end(JSON.stringify({ code, message, requestId: randomBytes(8).toString('hex') }));
}

export function sendOpenApi(response: ServerResponse, payload: Parameters<typeof encodeOpenApiResponse>[0]): void {
  response.writeHead(200, { 'content-type': 'application/octet-stream' });
  response.end(encodeOpenApiResponse(payload));
}

export function sendWechatJson(response: ServerResponse, answer: WechatAnswer): void {
  sendOpenApi(response, { respData: Buffer.from(JSON.stringify(answer)), contentType: 'application/json' });
}

/** Faults that shape the answer itself, common to both surfaces. Returns true when it answered. */
export function answerFault(fault: Fault, response: ServerResponse, surface: 'cloud' | 'https'): boolean {
  switch (fault.kind) {
    case 'http-status':
      response.writeHead(fault.status, { 'content-type': 'text/html' });
      response.end(`<html><body>${fault.status}</body></html>`);
      return true;
    case 'garbage':
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      response.end(Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37, 0x42, 0x99, 0x07]));
      return true;
    case 'empty':
      response.writeHead(200, { 'content-type': surface === 'cloud' ? 'application/octet-stream' : 'application/json' });
      response.end();
      return true;
    case 'errcode':
      if (surface === 'cloud') sendWechatJson(response, { errcode: fault.errcode, errmsg: fault.errmsg ?? errmsgOf(-1) });
      else sendJson(response, { errcode: fault.errcode, errmsg: fault.errmsg ?? errmsgOf(-1) });
      return true;
    case 'json':
      if (surface === 'cloud') sendOpenApi(response, { respData: Buffer.from(fault.body), contentType: 'application/json' });
      else {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(fault.body);
      }
      return true;
    case 'gateway-json':
      sendGatewayJson(response, fault.code, 'gateway error injected by the emulator', fault.charset ?? true);
      return true;
    case 'pb-error':
      if (surface === 'cloud') sendOpenApi(response, { errorCode: fault.errorCode });
      else sendJson(response, { errcode: fault.errorCode, errmsg: errmsgOf(-1) });
      return true;
    case 'not-json':
      if (surface === 'cloud') sendOpenApi(response, { respData: Buffer.from('<html>busy</html>'), contentType: fault.contentType });
      else {
        response.writeHead(200, { 'content-type': fault.contentType });
        response.end('<html>busy</html>');
      }
      return true;
    case 'huge': {
      const body = paddedAnswer(fault.bytes);
      if (surface === 'cloud') sendOpenApi(response, { respData: body, contentType: 'application/json' });
      else {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(body);
      }
      return true;
    }
    default:
      return false;
  }
}

/** `{"errcode":0,"errmsg":"ok","pad":"xxx…"}` of `bytes` bytes. */
function paddedAnswer(bytes: number): Buffer {
  const head = Buffer.from('{"errcode":0,"errmsg":"ok","pad":"');
  const tail = Buffer.from('"}');
  return Buffer.concat([head, Buffer.alloc(Math.max(0, bytes - head.length - tail.length), 'x'), tail]);
}

export function sendJson(response: ServerResponse, value: unknown, status = 200): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(value));
}


/** A request body that is a JSON object, or undefined (WeChat then answers 47001). */
export function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

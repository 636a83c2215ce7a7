import * as protobuf from 'protobufjs';

/**
 * The CloudBase `wx.openApi` messages, with the field numbers wx-server-sdk 4.0.2 uses
 * (../shared/reference/wx-server-sdk.md). Declared with protobufjs, the SDK's own dependency, so
 * the emulator decodes and encodes exactly as the SDK does.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    KeyValuePair: {
      fields: {
        key: { type: 'string', id: 1 },
        value: { type: 'bytes', id: 2 },
        contenttype: { type: 'string', id: 3 },
        filename: { type: 'string', id: 4 },
      },
    },
    OpenApiData: { fields: { pairs: { rule: 'repeated', type: 'KeyValuePair', id: 1 } } },
    CommApiData: {
      fields: {
        apiType: { type: 'int32', id: 1 },
        openapiData: { type: 'OpenApiData', id: 2 },
        appid: { type: 'string', id: 6 },
      },
    },
    HttpHeader: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
    CommOpenApiResp: {
      fields: {
        respData: { type: 'bytes', id: 1 },
        contentType: { type: 'string', id: 2 },
        errorCode: { type: 'int32', id: 3 },
        httpCode: { type: 'uint32', id: 4 },
        headers: { rule: 'repeated', type: 'HttpHeader', id: 5 },
        svrkitErrorCode: { type: 'int32', id: 6 },
      },
    },
  },
});

const CommApiData = root.lookupType('CommApiData');
const CommOpenApiResp = root.lookupType('CommOpenApiResp');

export interface OpenApiRequest {
  readonly apiType: number;
  readonly appid: string;
  /** Each pair's value is the JSON text of one field; parsed here (undefined when it is not JSON). */
  readonly fields: Readonly<Record<string, unknown>>;
}

export function decodeOpenApiRequest(bytes: Uint8Array): OpenApiRequest {
  const message = CommApiData.toObject(CommApiData.decode(bytes), { defaults: true }) as {
    apiType: number;
    appid: string;
    openapiData?: { pairs?: Array<{ key: string; value: Uint8Array }> };
  };
  const fields: Record<string, unknown> = {};
  for (const pair of message.openapiData?.pairs ?? []) {
    const text = Buffer.from(pair.value).toString('utf8');
    try {
      fields[pair.key] = JSON.parse(text);
    } catch {
      fields[pair.key] = undefined;
    }
  }
  return { apiType: message.apiType, appid: message.appid, fields };
}

export interface OpenApiResponse {
  readonly respData?: Uint8Array;
  readonly contentType?: string;
  readonly errorCode?: number;
  readonly httpCode?: number;
}

export function encodeOpenApiResponse(response: OpenApiResponse): Buffer {
  const message = CommOpenApiResp.fromObject({ httpCode: 200, ...response });
  return Buffer.from(CommOpenApiResp.encode(message).finish());
}

/** Used by the tests to build what the SDK would send, and to read what the emulator answers. */
export function encodeOpenApiRequest(fields: Record<string, unknown>, appid = ''): Buffer {
  const pairs = Object.entries(fields).map(([key, value]) => ({ key, value: Buffer.from(JSON.stringify(value)) }));
  return Buffer.from(CommApiData.encode(CommApiData.fromObject({ apiType: 0, openapiData: { pairs }, appid })).finish());
}

export function decodeOpenApiResponse(bytes: Uint8Array): Required<OpenApiResponse> {
  return CommOpenApiResp.toObject(CommOpenApiResp.decode(bytes), { defaults: true }) as Required<OpenApiResponse>;
}

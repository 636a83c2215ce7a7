import { BoundedMemo } from './bounded-memo';

/**
 * snake_case keys to camelCase, exactly as wx-server-sdk 4.0.2 converts an open-API answer for a
 * cloud caller by default (`convertCase` in its utils): `_x` becomes `X` for each lowercase letter
 * after an underscore, recursively through plain objects and arrays. This project calls the SDK with
 * conversion off (so both transports see the same snake_case answer) and converts here, so a
 * result reads the same whichever way it came.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return Object.prototype.toString.call(value) === '[object Object]';
}

/**
 * Keys converted so far: WeChat's answers use a small vocabulary, and every call of a client reads
 * the same few keys again. Bounded, since an answer's keys are whatever the other side sent.
 */
export const convertedKeys = new BoundedMemo(toCamelCase, 512);

function toCamelCase(key: string): string {
  return key.replace(/_[a-z]/g, (match) => match[1]!.toUpperCase());
}

/** Most keys have no underscore: nothing to convert, nothing to remember. */
function camelCaseKey(key: string): string {
  return key.includes('_') ? convertedKeys.get(key) : key;
}

export function camelCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[camelCaseKey(key)] = camelCaseKeys(item);
  return out;
}

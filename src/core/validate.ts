import { ProjectCode } from './codes';
import { OperationError } from './errors';

/**
 * Field rules shared by every plugin-management operation. Each rule either returns the typed
 * value or throws an OperationError whose detail names the field, what was wrong and what to send.
 * Nothing here reads the environment or calls anything: bad input is refused before any I/O.
 */

/** Appids of mini-programs and plugins: "wx" followed by 16 lowercase hexadecimal digits. */
export const APPID_PATTERN = /^wx[0-9a-f]{16}$/;

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : `a string of ${[...value].length} characters`;
  return `a ${typeof value}`;
}

/** The request must be a JSON object; arrays, null and primitives are refused. */
export function requireObject(event: unknown): Record<string, unknown> {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new OperationError(ProjectCode.INVALID_EVENT, {
      detail: `the request must be an object such as { pluginAppid: "wx0123456789abcdef" }, got ${describeValue(event)}`,
    });
  }
  return event as Record<string, unknown>;
}

export function requireAppid(event: Record<string, unknown>, field: string, code: number): string {
  const value = event[field];
  if (value === undefined) {
    throw new OperationError(code, { detail: `${field} is required: pass "wx" followed by 16 lowercase hex digits` });
  }
  if (typeof value !== 'string') {
    throw new OperationError(code, { detail: `${field} must be a string, got ${describeValue(value)}` });
  }
  if (!APPID_PATTERN.test(value)) {
    const hint = APPID_PATTERN.test(value.trim().toLowerCase()) ? ' (check for capitals or spaces)' : '';
    throw new OperationError(code, {
      detail: `${field} must be "wx" followed by 16 lowercase hex digits${hint}, got ${describeValue(value)}`,
    });
  }
  return value;
}

/**
 * An optional free text bounded in characters (code points, so a Chinese character counts once).
 * Absent and empty both mean "not given".
 */
export function optionalText(event: Record<string, unknown>, field: string, maxChars: number, code: number): string | undefined {
  const value = event[field];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new OperationError(code, { detail: `${field} must be a string, got ${describeValue(value)}` });
  }
  const length = [...value].length;
  if (length > maxChars) {
    throw new OperationError(code, { detail: `${field} is ${length} characters long; shorten it to at most ${maxChars}` });
  }
  return value;
}

/** `action` may be left out; when given it must name the operation's own action. */
export function optionalAction(event: Record<string, unknown>, expected: string): void {
  const value = event.action;
  if (value === undefined || value === expected) return;
  throw new OperationError(ProjectCode.INVALID_ACTION, {
    detail: `action must be "${expected}" or left out, got ${typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : describeValue(value)}`,
  });
}

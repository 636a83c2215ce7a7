import { ProjectCode } from './codes';
import { OperationError } from './errors';

/**
 * The first rule of every request: it is a JSON object. Field rules live in fields.ts, routing by
 * `action` in route.ts. Nothing here reads the environment or calls anything.
 */

const DESCRIBED_MAX = 10_000;

/** The kind of a value, with its article: `null`, `undefined`, `an array`, `an object`, `a string`, `a number`... */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A refused value described without echoing it: its kind, and a string's length. */
export function describeValue(value: unknown): string {
  if (typeof value !== 'string') return kindOf(value);
  if (value.length === 0) return 'an empty string';
  // Counted only when short: what matters about a huge value is that it is huge, and fast.
  if (value.length > DESCRIBED_MAX) return `a string of more than ${DESCRIBED_MAX} characters`;
  const length = [...value].length;
  return `a string of ${length} character${length === 1 ? '' : 's'}`;
}

/** The request must be a JSON object; arrays, null and primitives are refused. */
export function requireObject(event: unknown, example: string): Record<string, unknown> {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new OperationError(ProjectCode.INVALID_EVENT, {
      detail: `the request must be an object such as ${example}, got ${describeValue(event)}`,
    });
  }
  return event as Record<string, unknown>;
}

/** An option's text as given: trimmed, or undefined when absent or only white space (which counts as not given). */
export function trimmedText(value: string | undefined): string | undefined {
  return value?.trim() || undefined;
}

/** Whether `value` is text with something besides white space in it. */
export function isFilledText(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

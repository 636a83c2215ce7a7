import { ProjectCode } from './codes';
import { OperationError } from './errors';

/**
 * The first rule of every request: it is a JSON object. Field rules live in fields.ts, routing by
 * `action` in route.ts. Nothing here reads the environment or calls anything.
 */

const DESCRIBED_MAX = 10_000;

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    if (value.length === 0) return 'an empty string';
    // Counted only when short: what matters about a huge value is that it is huge, and fast.
    return value.length > DESCRIBED_MAX ? `a string of more than ${DESCRIBED_MAX} characters` : `a string of ${[...value].length} characters`;
  }
  return `a ${typeof value}`;
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

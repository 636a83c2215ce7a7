import { ProjectCode } from './codes';
import { OperationError } from './errors';
import type { AnyOperation } from './operation';
import { describeValue, requireObject } from './validate';

/**
 * Which operation an event asks for. A function that performs one operation (applyPlugin) lets
 * `action` be left out; a function that performs several (pluginManager) requires it.
 */
export interface Route {
  /** The name errMsg carries when no operation could be chosen: `pluginManager:fail ...`. */
  readonly name: string;
  readonly operations: readonly AnyOperation[];
  /** The event as an object and the operation it asks for; throws an OperationError otherwise. */
  select(event: unknown): { readonly operation: AnyOperation; readonly fields: Record<string, unknown> };
}

function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : describeValue(value);
}

/** One operation; `action` may be left out and, when given, must be the operation's own. */
export function singleOperation(operation: AnyOperation): Route {
  const example = `{ ${Object.keys(operation.fields).map((name) => `${name}: ...`).join(', ')} }`.replace('{  }', '{}');
  return {
    name: operation.name,
    operations: [operation],
    select(event) {
      const fields = requireObject(event, example);
      if (fields.action !== undefined && fields.action !== operation.action) {
        throw new OperationError(ProjectCode.INVALID_ACTION, {
          detail: `action must be "${operation.action}" or left out, got ${shown(fields.action)}`,
        });
      }
      return { operation, fields };
    },
  };
}

/** Several operations, chosen by the event's `action`. */
export function byAction(name: string, operations: readonly AnyOperation[]): Route {
  const actions = operations.map((operation) => operation.action);
  const listed = actions.map((action) => `"${action}"`).join(', ');
  return {
    name,
    operations,
    select(event) {
      const fields = requireObject(event, `{ action: "${actions[0]}", ... }`);
      const operation = operations.find((candidate) => candidate.action === fields.action);
      if (operation) return { operation, fields };
      const what = fields.action === undefined ? 'action is required' : `action ${shown(fields.action)} is not one of this function's`;
      throw new OperationError(ProjectCode.INVALID_ACTION, { detail: `${what}: pass one of ${listed}` });
    },
  };
}

import { camelCaseKeys } from './case';
import type { Fields, ParamsOf, RequestOf } from './fields';
import { unexpectedAnswer } from './remote';
import { kindOf } from './validate';

/**
 * One plugin-management operation, declared once. Everything about an operation lives in its own
 * file under operations/ and is derived from this declaration: validation and the log line's fields
 * (from `fields`), the cloud function's routing and config.json permission (`action`, `cloudApi`),
 * the HTTPS client's typed method (`name`), the command line's command and flags (`action`,
 * `fields`), where the request lands at WeChat (`route`: the HTTPS path, the emulator's handler
 * and the docs' lists), and the mini-program's generated types. The engine, transports and
 * emulator hold nothing about any one operation.
 */

/**
 * Where a request lands at WeChat: `POST {path}`, and, on a path that serves several calls
 * (`/wxa/plugin` serves apply, list, unbind and update), WeChat's own `action` in the body. A path
 * that serves one call has no action, and none is sent.
 */
export interface WireRoute<P extends string = string, W extends string | undefined = string | undefined> {
  readonly path: P;
  readonly action?: W;
}

/** A request body in WeChat's own snake_case, identical for both transports. */
export type WireBody = Record<string, string | number>;

/** WeChat's answer as a transport hands it over: the JSON object, without errcode and errmsg. */
export type Answer = Readonly<Record<string, unknown>>;

export interface Operation<F extends Fields = Fields, D extends object = object, N extends string = string, A extends string = string, R extends WireRoute = WireRoute> {
  /** WeChat's name, used in errMsg (`applyPlugin:ok`) and as the HTTPS client's method. */
  readonly name: N;
  /** How callers name it: the `action` of the pluginManager function and the wxplugin command. */
  readonly action: A;
  /** One line for --help and the README. */
  readonly summary: string;
  /**
   * The cloud-call API (`cloud.openapi.<cloudApi>`), which is also the permission a function's
   * config.json must grant; undefined when no cloud function offers the operation.
   */
  readonly cloudApi: string | undefined;
  /**
   * The newer API page's cloud-call name for the same call (`pluginManager.applyPlugin` carries
   * every /wxa/plugin action there), tried once when the gateway refuses `cloudApi` as unknown or
   * not granted (-604100/-604101). It must be granted too: config.json lists it.
   */
  readonly cloudApiFallback?: string;
  /** Where WeChat receives it: `{ path: '/wxa/plugin', action: 'apply' }`. */
  readonly route: R;
  readonly fields: F;
  /** The rest of the body WeChat receives, in WeChat's snake_case (the route's `action`, if any, is added). */
  toWire(params: ParamsOf<F>): WireBody;
  /**
   * The result's fields from WeChat's answer to the request `params` (validated, defaults filled
   * in); throws an OperationError when the answer is not what WeChat sends.
   */
  readAnswer(answer: Answer, params: ParamsOf<F>): D;
  /**
   * Codes that, after an earlier attempt of the same call may have reached WeChat unanswered, can
   * be that attempt's own doing, with the sentence errMsg adds to say so. This is the operation's
   * retry note: every operation here is safe to repeat, and these are the traces a repeat leaves.
   */
  readonly afterLostAnswer?: Readonly<Record<number, string>>;
  /** What to do when nobody can say whether WeChat acted (no answer, or one without errcode). */
  readonly whenOutcomeUnknown: string;
  /** Codes besides 0 that mean the requested state already holds (apply: 89237, already added). */
  readonly alreadyHolds?: readonly number[];
  /**
   * A request that works against the emulator's demo world: `npm start`'s default event for this
   * action, and the tests' example call.
   */
  readonly example: RequestOf<F>;
  /**
   * For a list read a page at a time: which fields name the page and its size, the largest size,
   * and the list in the result. `wxplugin <command> --all` reads every page from it.
   */
  readonly paging?: Paging;
}

/** Field names are the operation's own (a test checks they are declared integer fields). */
export interface Paging {
  readonly pageField: string;
  readonly sizeField: string;
  readonly maxSize: number;
  /** The result's list (camelCase), e.g. `applyList`. */
  readonly listKey: string;
}

export type AnyOperation = Operation<Fields, object>;

export type OperationRequest<O> = O extends Operation<infer F, object, string, string> ? RequestOf<F> : never;
export type OperationData<O> = O extends Operation<Fields, infer D, string, string> ? D : never;

/** The whole body WeChat receives: the route's action first (when it has one), then the operation's fields. */
export function wireBodyOf(operation: Operation<Fields, object, string, string>, params: unknown): WireBody {
  const fields = operation.toWire(params as never);
  const action = operation.route.action;
  return action === undefined ? fields : { action, ...fields };
}

/**
 * The shape of one list item as WeChat documents it: `appid` and `status` (1-4) always; every other
 * field named here, when present, of the kind given (absent ones read as empty). Fields it does not
 * name are kept as they come.
 */
export type ItemShape = Readonly<Record<string, 'text' | 'categories'>>;

/**
 * A field of whatever WeChat sent in a list: undefined for null and for anything without it (a
 * number, a string, an array), so that those fail the checks below like a missing field.
 */
const fieldOf = (value: unknown, name: string): unknown => (value as Readonly<Record<string, unknown>> | null | undefined)?.[name];

const isCategory = (value: unknown): boolean => typeof fieldOf(value, 'first') === 'string' && typeof fieldOf(value, 'second') === 'string';

/** The item with its named fields filled in, or undefined when it is not in the documented shape. */
function readItem(item: unknown, shape: ItemShape): Record<string, unknown> | undefined {
  if (typeof fieldOf(item, 'appid') !== 'string' || ![1, 2, 3, 4].includes(fieldOf(item, 'status') as number)) return undefined;
  const filled: Record<string, unknown> = { ...(item as Record<string, unknown>) };
  for (const [field, kind] of Object.entries(shape)) {
    const value = filled[field];
    if (value === undefined) filled[field] = kind === 'text' ? '' : [];
    else if (kind === 'text' ? typeof value !== 'string' : !Array.isArray(value) || !value.every(isCategory)) return undefined;
  }
  return filled;
}

/**
 * A read operation's data: WeChat's answer camelCased as wx-server-sdk would (fields this project
 * does not know are kept), with the list WeChat sends under `listKey`, checked item by item. No
 * list at all is an empty one (WeChat leaves it out when there is nothing); `null` or anything but
 * a list is not WeChat's answer. An item not in the documented shape (null, a number, a field of
 * the wrong kind, a status WeChat does not document) is left out and counted in `droppedItems`, so
 * the rest stays usable and nothing downstream meets a malformed row.
 */
export function readListAnswer(answer: Answer, listKey: string, shape: ItemShape): Record<string, unknown> {
  const list = answer[listKey] === undefined ? [] : answer[listKey];
  if (!Array.isArray(list)) throw unexpectedAnswer(`${listKey} is ${kindOf(list)}, not a list`);
  const items = list.map((item) => readItem(item, shape)).filter((item) => item !== undefined);
  const dropped = list.length - items.length;
  return { ...(camelCaseKeys({ ...answer, [listKey]: items }) as Record<string, unknown>), ...(dropped > 0 ? { droppedItems: dropped } : {}) };
}

/** Write operations answer errcode only; their results add nothing. */
export function noData(): Record<never, never> {
  return {};
}

/** Declares an operation, inferring its field and data types from the declaration. */
export function defineOperation<F extends Fields, D extends object, N extends string, A extends string, const R extends WireRoute>(operation: Operation<F, D, N, A, R>): Operation<F, D, N, A, R> {
  return operation;
}

/**
 * A route as one key, `/wxa/plugin list` (path and action) or `/wxa/getpluginopenpid` (a path that
 * serves one call): the emulator's handlers are keyed by it. Operations may share one (two
 * readings of the same list); the emulator answers per route.
 */
export type RouteKeyOf<R> = R extends { readonly path: infer P extends string; readonly action: infer W extends string } ? `${P} ${W}` : R extends { readonly path: infer P extends string } ? P : never;

export function routeKeyOf<R extends WireRoute>(route: R): RouteKeyOf<R> {
  return (route.action === undefined ? route.path : `${route.path} ${route.action}`) as RouteKeyOf<R>;
}

/** The HTTPS paths of some operations, as a type: `HttpsPathOf<RegisteredOperation>`. */
export type HttpsPathOf<O> = O extends { readonly route: { readonly path: infer P extends string } } ? P : never;

import type { AnyOperation, HttpsPathOf } from '../operation';
import { byAction, singleOperation, type Route } from '../route';
import { applyPlugin } from './apply-plugin';
import { agreeDevPluginApplication, deleteDevPluginApplication, refuseDevPluginApplication } from './dev-plugin-application';
import { getPluginDevApplyList } from './get-plugin-dev-apply-list';
import { getPluginList } from './get-plugin-list';
import { unbindPlugin } from './unbind-plugin';
import { updatePlugin } from './update-plugin';

/**
 * The registry: every operation the project offers, in the order the README and `wxplugin --help`
 * list them. Adding an operation is one file beside this one and one line here (see the README,
 * "Adding an operation").
 */
export const MINI_PROGRAM_OPERATIONS = [applyPlugin, getPluginList, unbindPlugin, updatePlugin] as const;
/** The plugin developer's side (/wxa/devplugin): HTTPS client and command line only. */
export const DEVELOPER_OPERATIONS = [getPluginDevApplyList, agreeDevPluginApplication, refuseDevPluginApplication, deleteDevPluginApplication] as const;
export const OPERATIONS = [...MINI_PROGRAM_OPERATIONS, ...DEVELOPER_OPERATIONS] as const;

export type RegisteredOperation = (typeof OPERATIONS)[number];
/** Every HTTPS path a registered operation posts to, read from their routes: `'/wxa/plugin' | '/wxa/devplugin'`. */
export type RegisteredPath = HttpsPathOf<RegisteredOperation>;

/**
 * The cloud functions, each a folder under cloudfunctions/ whose entry the build writes from here. Their
 * config.json grants exactly the cloud APIs of their operations (written by the build, checked by a test).
 */
export const CLOUD_FUNCTIONS = {
  /** The least-privilege function for mini-programs that only ever apply; `action` may be left out. */
  applyPlugin: singleOperation(applyPlugin),
  /** The mini-program's whole side, chosen by `action`. */
  pluginManager: byAction('pluginManager', MINI_PROGRAM_OPERATIONS),
} as const satisfies Record<string, Route>;

export type CloudFunctionName = keyof typeof CLOUD_FUNCTIONS;

/** Each cloud API the operations call, once, in order. */
export function cloudApisOf(operations: readonly AnyOperation[]): string[] {
  return [...new Set(operations.flatMap((operation) => [operation.cloudApi, operation.cloudApiFallback]).filter((api): api is string => api !== undefined))];
}

/** The permissions a function's config.json must grant: each cloud API its operations call. */
export function permissionsOf(route: Route): string[] {
  return cloudApisOf(route.operations);
}

export { applyPlugin, getPluginList, unbindPlugin, updatePlugin, getPluginDevApplyList, agreeDevPluginApplication, refuseDevPluginApplication, deleteDevPluginApplication };

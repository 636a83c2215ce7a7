/**
 * The package's library entry (`require('wx-plugin-manager')` / `import ... from 'wx-plugin-manager'`):
 * the HTTPS client, the component (third-party platform) client, batch runs (openBatch), and what a
 * caller needs to read their results. Built by scripts/build-lib.mjs into
 * dist/lib (CommonJS, ES module and type declarations); everything else in src/ stays internal.
 */
export { createHttpsClient, DEFAULT_BASE_URL, DEFAULT_HTTPS_TIMEOUT_MS, succeeded } from './https/client';
export type { CallOptions, HttpsClient, HttpsClientOptions, HttpsFailure, HttpsResult, HttpsSuccess } from './https/client';
export type { PluginListEntry, PluginStatus } from './core/operations/get-plugin-list';
export type { PluginApplication } from './core/operations/get-plugin-dev-apply-list';
export type { OperationResult } from './core/engine';
export type { LogSink } from './core/log';
export type { Fetch } from './https/http';
export type { AccessTokenSource } from './https/access-token';
export { CATALOGUE, ProjectCode, describeCode } from './core/codes';
export type { CodeEntry, CodeSource, ProjectCodeValue } from './core/codes';
export { OPERATIONS } from './core/operations';
export type { RegisteredOperation } from './core/operations';
export { createComponentClient, PLUGIN_MANAGEMENT_SET, AUTHORIZER_PAGE_MAX } from './component/client';
export type { ComponentClient, ComponentClientOptions, AuthorizerPage, AuthorizerInfo, ListedAuthorizer } from './component/client';
export type { VerifyTicketSource } from './component/verify-ticket';
export type { ComponentTokenSource, IssuedPlatformToken } from './component/token-source';
export { commandTokenSource } from './component/token-command';
export type { TokenCommandOptions } from './component/token-command';
export { memoryStore } from './component/store';
export type { ComponentStore, StoredToken } from './component/store';
export { fileStore } from './component/file-store';
export type { FileStoreOptions } from './component/file-store';
// Batch runs (Node 22.12 or later): their job engine and drivers load on first use, never with the package.
export { openBatch } from './batch/api';
export type {
  Batch,
  BatchAuthorizers,
  BatchCancelResult,
  BatchCounts,
  BatchDriveOptions,
  BatchItem,
  BatchItemCursorPage,
  BatchItemPage,
  BatchItemQuery,
  BatchItemState,
  BatchOperationName,
  BatchOptions,
  BatchRequest,
  BatchResumeOptions,
  BatchRetryOptions,
  BatchRunEnd,
  BatchRunInfo,
  BatchRunResult,
  BatchRunsResult,
  BatchRunState,
  BatchRunSummary,
  BatchStartOptions,
  BatchStatusResult,
  BatchStoreOption,
  BatchWorkOptions,
  BatchWorkResult,
} from './batch/api-types';

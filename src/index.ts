/**
 * The package's library entry (`require('wx-plugin-manager')` / `import ... from 'wx-plugin-manager'`):
 * the HTTPS client and what a caller needs to read its results. Built by scripts/build-lib.mjs into
 * dist/lib (CommonJS, ES module and type declarations); everything else in src/ stays internal.
 */
export { createHttpsClient, DEFAULT_BASE_URL, DEFAULT_HTTPS_TIMEOUT_MS } from './https/client';
export type { HttpsClient, HttpsClientOptions, HttpsResult } from './https/client';
export type { OperationResult } from './core/engine';
export type { LogSink } from './core/log';
export type { Fetch } from './https/http';
export { CATALOGUE, ProjectCode, describeCode } from './core/codes';
export type { CodeEntry, CodeSource, ProjectCodeValue } from './core/codes';
export { OPERATIONS } from './core/operations';
export type { RegisteredOperation } from './core/operations';
export { createComponentClient, PLUGIN_MANAGEMENT_SET, AUTHORIZER_PAGE_MAX } from './component/client';
export type { ComponentClient, ComponentClientOptions, AuthorizerPage, AuthorizerInfo, ListedAuthorizer } from './component/client';
export type { VerifyTicketSource } from './component/verify-ticket';
export { memoryStore } from './component/store';
export type { ComponentStore, StoredToken } from './component/store';
export { fileStore } from './component/file-store';
export type { FileStoreOptions } from './component/file-store';

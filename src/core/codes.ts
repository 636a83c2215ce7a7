/**
 * The error catalogue: every code a caller can receive, where it comes from, what it means and
 * what to do about it. The README's error table is written from this file, and the tests check
 * that the two agree.
 *
 * The project's own codes live in -930xxx. WeChat's codes are positive or -1, and CloudBase's
 * platform codes are -4xxxxx, -5xxxxx and -6xxxxx, so no project code can be mistaken for either.
 */

export type CodeSource = 'wechat' | 'platform' | 'project';

/** `{api}` in `what` and `todo` stands for the operation's API name, e.g. pluginManager.applyPlugin. */
export interface CodeEntry {
  readonly source: CodeSource;
  /** The official Chinese wording, where WeChat publishes one. */
  readonly zh?: string;
  /** What happened, in a sentence fragment. */
  readonly what: string;
  /** What the person reading errMsg can do next. */
  readonly todo: string;
}

/** The project's own failures. Stable: documented in the README, never renumbered. */
export const ProjectCode = {
  /** `event` is not a JSON object. */
  INVALID_EVENT: -930001,
  /** An appid field (`pluginAppid`, `appid`) is missing or not `wx` + 16 lowercase hex digits. */
  INVALID_APPID: -930002,
  /** A free-text field (`reason`) is missing where required, not a string, or too long. */
  INVALID_TEXT: -930003,
  /** `action` is missing, unknown, or not the action this function performs. */
  INVALID_ACTION: -930004,
  /** A version field (`userVersion`) is missing or not digits and dots. */
  INVALID_VERSION: -930005,
  /** A number field (`page`, `num`) is not a whole number within its bounds. */
  INVALID_NUMBER: -930006,
  /** `ADMIN_OPENIDS` is unset or empty, so no client may call. */
  ADMIN_NOT_CONFIGURED: -930101,
  /** The caller's OPENID is not in `ADMIN_OPENIDS` (and its SOURCE is not in `TRUSTED_SOURCES`). */
  NOT_ADMIN: -930102,
  /** The event is an HTTP-access (API gateway) request: these functions are never exposed that way. */
  HTTP_ACCESS_REFUSED: -930103,
  /** A cross-account call (`FROM_APPID` set): another mini-program's users are never administrators here. */
  CROSS_ACCOUNT_REFUSED: -930104,
  /** No answer arrived within the invocation's time budget. */
  DEADLINE_EXCEEDED: -930201,
  /** The platform credentials were missing and the gateway refused the unsigned call. */
  CREDENTIALS_MISSING: -930202,
  /** An answer arrived but carried no WeChat errcode (empty, not JSON, or not an answer at all). */
  UNEXPECTED_ANSWER: -930203,
  /** Something failed that carries no code of its own (a bug or an SDK defect). */
  INTERNAL: -930204,
  /** The HTTPS form has neither an access token nor an appid and secret to get one. */
  HTTPS_CREDENTIALS_MISSING: -930301,
  /** The HTTPS form's base URL is not an http(s) URL, or carries credentials, a query or a fragment. */
  INVALID_BASE_URL: -930302,
  /** The component client lacks its appid, secret or verify ticket. */
  COMPONENT_CREDENTIALS_MISSING: -930303,
  /** No refresh token is stored for the authoriser a call is made for. */
  NO_REFRESH_TOKEN: -930304,
  /** The component's token store could not be read or written. */
  TOKEN_STORE_FAILED: -930305,
} as const;

export type ProjectCodeValue = (typeof ProjectCode)[keyof typeof ProjectCode];

const RETRY_LATER = 'try again in a few seconds';

export const CATALOGUE: ReadonlyMap<number, CodeEntry> = new Map<number, CodeEntry>([
  // WeChat's answers, from the API page (see ../shared/reference/plugin-api.md).
  [0, { source: 'wechat', zh: 'ok', what: 'success: WeChat did what was asked (for apply: the application was sent to the plugin developer)', todo: 'nothing; after apply, wait for the developer to approve it' }],
  [-1, { source: 'wechat', zh: '系统错误', what: 'WeChat is busy (system error)', todo: RETRY_LATER }],
  [89236, { source: 'wechat', zh: '该插件不能申请', what: 'this plugin does not accept applications', todo: 'ask the plugin developer to open it to applications, or choose another plugin' }],
  [89237, { source: 'wechat', zh: '已经添加该插件', what: 'the plugin is already added to this mini-program, or its application is awaiting the developer', todo: 'nothing more to do' }],
  [89238, { source: 'wechat', zh: '申请或使用的插件已经达到上限', what: 'this mini-program has reached its limit of applied or used plugins', todo: 'unbind a plugin it no longer uses, then apply again' }],
  [89239, { source: 'wechat', zh: '该插件不存在', what: 'the plugin does not exist', todo: 'check the plugin appid against the plugin\'s page' }],
  [89240, { source: 'wechat', zh: '无法进行此操作，只有“待确认”的申请可操作通过/拒绝', what: 'only pending applications can be approved or refused', todo: 'refresh the application list' }],
  [89241, { source: 'wechat', zh: '无法进行此操作，只有“已拒绝/已超时”的申请可操作删除', what: 'only refused or expired applications can be deleted', todo: 'refresh the application list' }],
  [89242, { source: 'wechat', zh: '该appid不在申请列表内', what: 'the appid is not in the application list', todo: 'check the appid' }],
  [89243, { source: 'wechat', zh: '“待确认”的申请不可删除', what: 'pending applications cannot be deleted', todo: 'approve or refuse it first' }],
  [89044, { source: 'wechat', zh: '不存在该插件appid', what: 'no plugin has this appid (WeChat gives no finer reason)', todo: 'check the plugin appid against the plugin list' }],
  // WeChat's token errors, met by the HTTPS form.
  [40001, { source: 'wechat', zh: '获取 access_token 时 AppSecret 错误，或者 access_token 无效', what: 'the access token or app secret is invalid', todo: 'check WECHAT_APPSECRET, or get a new access token' }],
  [40014, { source: 'wechat', zh: '不合法的 access_token', what: 'the access token is not valid', todo: 'get a new access token' }],
  [42001, { source: 'wechat', zh: 'access_token 超时', what: 'the access token has expired', todo: 'get a new access token' }],
  [40013, { source: 'wechat', zh: '不合法的 AppID', what: 'the appid is not valid', todo: 'check WECHAT_APPID' }],
  [40125, { source: 'wechat', zh: '不合法的 secret', what: 'the app secret is not valid', todo: 'check WECHAT_APPSECRET (the mini-program console can reset it)' }],
  [40164, { source: 'wechat', zh: '调用接口的IP地址不在白名单中', what: 'this server\'s IP address is not on the appid\'s whitelist', todo: 'add it in the mini-program console (Development > Development settings)' }],
  // The third-party platform (component) side (see docs/third-party.md).
  [61003, { source: 'wechat', what: 'this mini-program has not authorised the third-party platform, or has withdrawn it', todo: 'check the authoriser list (wxplugin authorizers); its owner must authorise the platform again' }],
  [61004, { source: 'wechat', what: 'this server\'s IP address is not on the third-party platform\'s whitelist', todo: 'add it in the Open Platform console (the platform\'s development settings, IP whitelist)' }],
  [61005, { source: 'wechat', what: 'the component_verify_ticket has expired', todo: 'pass the latest ticket WeChat pushed (every 10 minutes) in WECHAT_COMPONENT_VERIFY_TICKET; api_start_push_ticket restarts the pushes' }],
  [61006, { source: 'wechat', what: 'the component_verify_ticket is not valid', todo: 'pass the ticket exactly as WeChat pushed it, decrypted, in WECHAT_COMPONENT_VERIFY_TICKET' }],
  [61007, { source: 'wechat', what: 'this mini-program did not grant the third-party platform plugin management (permission set 40)', todo: 'ask its owner to authorise the platform again with plugin management (小程序插件管理) ticked; nothing is retried' }],
  [61011, { source: 'wechat', what: 'the appid is not a third-party platform\'s', todo: 'check WECHAT_COMPONENT_APPID and WECHAT_COMPONENT_SECRET: they are the platform\'s, not a mini-program\'s' }],
  [61023, { source: 'wechat', what: 'the authoriser\'s refresh token is not valid', todo: 'list the authorisers again (wxplugin authorizers) to store the current refresh token; if it persists, its owner must authorise the platform again' }],
  [61024, { source: 'wechat', what: 'a third-party platform\'s credentials were used to ask for an ordinary access token', todo: 'use the component client (WECHAT_COMPONENT_APPID, WECHAT_COMPONENT_SECRET), not WECHAT_APPID and WECHAT_APPSECRET' }],
  [45009, { source: 'wechat', what: 'the daily quota of this API is used up (called for an authoriser: that mini-program\'s own quota)', todo: 'wait for WeChat\'s daily reset, or reset it with clear_quota (10 times a month)' }],
  [45011, { source: 'wechat', what: 'too many calls to this API in too short a time', todo: 'slow down, and try again in a minute' }],
  [48001, { source: 'wechat', what: 'the account may not call this API, or the token is of the wrong kind', todo: 'check that the account has the capability, and that the token is the one this API takes' }],
  [89256, { source: 'wechat', zh: 'token 信息有误', what: 'WeChat found no third-party platform in the token (reported for update with a mini-program\'s own token)', todo: 'update through the third-party platform that manages the mini-program (createComponentClient(...).forAuthorizer(appid))' }],
  [89257, { source: 'wechat', what: 'this plugin version does not allow quick update', todo: 'choose a version the plugin developer allows quick update to' }],
  [89258, { source: 'wechat', what: 'the mini-program has a phased (gray) release in progress, so quick update is refused', todo: 'finish or cancel the phased release, then update again' }],
  // CloudBase platform codes a caller meets (see ../shared/reference/cloud-functions.md).
  [-401001, { source: 'platform', what: 'the caller has no permission to call cloud functions', todo: 'check the environment\'s security rules' }],
  [-404011, { source: 'platform', what: 'the cloud function failed to execute (it threw or timed out)', todo: 'read the function\'s log in the cloud console' }],
  [-501000, { source: 'platform', what: 'the cloud function or environment was not found', todo: 'check the function name and the environment id' }],
  [-501001, { source: 'platform', what: 'the gateway or the network failed', todo: RETRY_LATER }],
  [-501002, { source: 'platform', what: 'the cloud gateway timed out', todo: RETRY_LATER }],
  [-501003, { source: 'platform', what: 'the environment\'s request quota is exceeded', todo: 'wait, or raise the quota in the cloud console' }],
  [-501004, { source: 'platform', what: 'the environment\'s concurrency limit is exceeded', todo: RETRY_LATER }],
  [-501005, { source: 'platform', what: 'the cloud environment is invalid', todo: 'check the environment id the function is deployed to' }],
  [-501007, { source: 'platform', what: 'the cloud gateway refused the request parameters', todo: 'update the function; if it persists, report it with the function log' }],
  [-601001, { source: 'platform', what: 'WeChat\'s server sent an answer that could not be read', todo: RETRY_LATER }],
  [-604100, { source: 'platform', what: 'the open API {api} was not found', todo: 'update wx-server-sdk, or check the API name' }],
  [-604101, { source: 'platform', what: 'this cloud function has no permission to call {api}', todo: 'add "{api}" to permissions.openapi in the function\'s own config.json and upload it again; a change can take about 10 minutes to apply' }],
  [-604102, { source: 'platform', what: 'the open API call timed out', todo: RETRY_LATER }],
  [-604103, { source: 'platform', what: 'the open API call hit a system error', todo: RETRY_LATER }],
  [-604104, { source: 'platform', what: 'the open API refused the invocation source', todo: 'call the function from the mini-program, the HTTP API or a trigger' }],
  // The project's own.
  [ProjectCode.INVALID_EVENT, { source: 'project', what: 'the request is not a JSON object', todo: 'call with an object such as { action: "list" } or { pluginAppid: "wx0123456789abcdef" }' }],
  [ProjectCode.INVALID_APPID, { source: 'project', what: 'an appid field (pluginAppid, appid) is missing or not an appid', todo: 'pass "wx" followed by 16 lowercase hex digits' }],
  [ProjectCode.INVALID_TEXT, { source: 'project', what: 'a text field (reason) is missing where required, not a string, or too long', todo: 'pass a string of at most 500 characters' }],
  [ProjectCode.INVALID_ACTION, { source: 'project', what: 'action is missing, unknown, or not what this function performs', todo: 'pass one of the function\'s actions (pluginManager: apply, list, unbind, update; applyPlugin: apply or none)' }],
  [ProjectCode.INVALID_VERSION, { source: 'project', what: 'a version field (userVersion) is missing or not a version', todo: 'pass digits and dots, such as "2.2.46"' }],
  [ProjectCode.INVALID_NUMBER, { source: 'project', what: 'a number field (page, num) is not a whole number within its bounds', todo: 'pass a whole number: page at least 1, num from 1 to 100' }],
  [ProjectCode.ADMIN_NOT_CONFIGURED, { source: 'project', what: 'no administrators are configured, so calls from a mini-program are refused', todo: 'set the environment variable ADMIN_OPENIDS (comma-separated OPENIDs) on this function in the cloud console' }],
  [ProjectCode.NOT_ADMIN, { source: 'project', what: 'this caller is not an administrator', todo: 'ask an administrator to add your OPENID to ADMIN_OPENIDS' }],
  [ProjectCode.HTTP_ACCESS_REFUSED, { source: 'project', what: 'the function was called through HTTP access (an API-gateway request), which it never serves', todo: 'call it with wx.cloud.callFunction, and remove its HTTP access path in the cloud console' }],
  [ProjectCode.CROSS_ACCOUNT_REFUSED, { source: 'project', what: 'the call came from another mini-program\'s account (cross-account call), whose users are never administrators here', todo: 'call from this mini-program itself' }],
  [ProjectCode.DEADLINE_EXCEEDED, { source: 'project', what: 'WeChat did not answer within the time limit', todo: 'try again; if it keeps happening, raise the timeout (the cloud function\'s in the cloud console, or the HTTPS form\'s --timeout)' }],
  [ProjectCode.CREDENTIALS_MISSING, { source: 'project', what: 'the cloud platform\'s credentials are missing, and the gateway refused the unsigned call', todo: 'run the function in the cloud, or set TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY for a local run' }],
  [ProjectCode.UNEXPECTED_ANSWER, { source: 'project', what: 'the answer carried no WeChat result code, so whether WeChat acted on it is unknown', todo: 'check the current state (the plugin list) before trying again' }],
  [ProjectCode.INTERNAL, { source: 'project', what: 'the function failed unexpectedly', todo: 'read the function\'s log line for this request id and report it' }],
  [ProjectCode.HTTPS_CREDENTIALS_MISSING, { source: 'project', what: 'no credentials for the HTTPS API', todo: 'set WECHAT_ACCESS_TOKEN, or WECHAT_APPID and WECHAT_APPSECRET' }],
  [ProjectCode.INVALID_BASE_URL, { source: 'project', what: 'the HTTPS API base URL is not usable', todo: 'set WECHAT_API_BASE_URL to an http(s) URL without credentials, query or fragment, or leave it unset' }],
  [ProjectCode.COMPONENT_CREDENTIALS_MISSING, { source: 'project', what: 'the third-party platform\'s credentials are incomplete', todo: 'set WECHAT_COMPONENT_APPID, WECHAT_COMPONENT_SECRET and WECHAT_COMPONENT_VERIFY_TICKET (the ticket, or @FILE holding it)' }],
  [ProjectCode.NO_REFRESH_TOKEN, { source: 'project', what: 'no refresh token is stored for this authoriser', todo: 'list the authorisers (wxplugin authorizers) to store their refresh tokens; one that is not listed must authorise the platform first' }],
  [ProjectCode.TOKEN_STORE_FAILED, { source: 'project', what: 'the token store could not be read or written', todo: 'check the store (its folder and permissions, or its database), then try again' }],
]);

export function describeCode(code: number): CodeEntry | undefined {
  return CATALOGUE.get(code);
}

/**
 * The error catalogue: every code a caller can receive, where it comes from, what it means and
 * what to do about it, whether to try again, and how sure we are. docs/errors.md is generated from
 * this file (`npm run types`), and a test checks that the two agree.
 *
 * The project's own codes live in -930xxx. WeChat's codes are positive or -1, and CloudBase's
 * platform codes are -4xxxxx, -5xxxxx and -6xxxxx, so no project code can be mistaken for either.
 */

export type CodeSource = 'wechat' | 'platform' | 'project';

/**
 * What a caller may do about a failure. `in-call`: transient; the engine itself tries again within
 * the call (and `retryable` is true). `later`: the same call may succeed later, but not within
 * this call (`retryable` true, no retry now). `never`: asking again changes nothing until someone
 * acts on the todo.
 */
export type Retry = 'in-call' | 'later' | 'never';

/**
 * For WeChat's and the platform's codes: `documented` on WeChat's or CloudBase's published pages
 * (or the SDK's own code tables); `reported` only by users, staff replies or other SDKs' code.
 */
export type Evidence = 'documented' | 'reported';

/** `{api}` in `what` and `todo` stands for the operation's API name, e.g. pluginManager.applyPlugin. */
export interface CodeEntry {
  readonly source: CodeSource;
  /** The official Chinese wording, where WeChat publishes one. */
  readonly zh?: string;
  /** WeChat's own English errmsg, where known. */
  readonly errmsg?: string;
  /** What happened, in a sentence fragment. */
  readonly what: string;
  /** What the person reading errMsg can do next. */
  readonly todo: string;
  readonly retry: Retry;
  /**
   * The failure leaves open whether WeChat acted on the request all the same (a timeout, a system
   * error, a lost or unreadable answer): a later "already done" in the same call may be our doing.
   */
  readonly mayHaveActed?: boolean;
  /** WeChat's and the platform's codes only. */
  readonly evidence?: Evidence;
  /** Where the evidence is (docs/errors.md cites it). */
  readonly seenIn?: string;
  /** The code WeChat's older pages give for the same answer (89044 is most likely 89244). */
  readonly aliasOf?: number;
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
  /** ADMIN_OPENIDS or TRUSTED_SOURCES cannot be read, or would let everyone in: no call is judged. */
  CONFIG_REFUSED: -930105,
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
  /** createHttpsClient's options cannot be used (not an object, a wrong type, a bad timeout). */
  HTTPS_OPTIONS_INVALID: -930303,
  /** The component client lacks its appid, secret or verify ticket. */
  COMPONENT_CREDENTIALS_MISSING: -930304,
  /** No refresh token is stored for the authoriser a call is made for. */
  NO_REFRESH_TOKEN: -930305,
  /** The component's token store could not be read or written. */
  TOKEN_STORE_FAILED: -930306,
  /** openBatch's options, or a run's (operation, authorisers, rate, ...), cannot be used; or this Node is older than 22.12. */
  BATCH_OPTIONS_INVALID: -930307,
  /** The batch store holds no run with the id given (or no run at all). */
  BATCH_RUN_NOT_FOUND: -930308,
  /** The HTTPS server's TLS certificate was not trusted (self-signed, expired, for another name): retrying cannot help. */
  CERTIFICATE_REFUSED: -930309,
  /** WeChat refused the third-party platform's own credentials (secret, appid, ticket, IP whitelist): every authoriser would fail alike. */
  PLATFORM_CREDENTIALS_REFUSED: -930310,
  /** The third-party platform's own daily quota for its token request is spent (45009 on api_component_token). */
  PLATFORM_QUOTA_SPENT: -930311,
  /** The platform's token command (or token source) gave no usable token. */
  TOKEN_COMMAND_FAILED: -930312,
  /** api_get_authorizer_list's pages do not add up: a page repeats, the offset does not advance, or more pages than total_count allows. */
  LISTING_BROKEN: -930313,
  /** A dashboard request carried neither the token printed at its start nor the session opened with it. */
  DASHBOARD_UNAUTHORISED: -930340,
  /** A POST to the dashboard came from a page of another origin: refused, nothing done. */
  DASHBOARD_FOREIGN_ORIGIN: -930341,
} as const;

export type ProjectCodeValue = (typeof ProjectCode)[keyof typeof ProjectCode];

const RETRY_LATER = 'try again in a few seconds';

/** Sources, named once. */
const PLUGIN_PAGE = 'the plugin-management API page (error table)';
const GLOBAL_TABLE = 'WeChat\'s global error-code table';
const TOKEN_PAGE = 'the access-token pages (getStableAccessToken, getAccessToken)';
const SDK_TABLE = 'wx-server-sdk 4.0.2\'s own code tables';
const WXJAVA = 'WxJava\'s error table (WxMaErrorMsgEnum), not on WeChat\'s pages';
const COMPONENT_PAGES = 'the third-party platform pages (component_access_token, authorisation)';
const QUOTA_PAGES = 'the quota pages (clear_quota, getApiQuota)';
const COMMUNITY = 'WeChat\'s developer community (user reports, staff replies)';

export const CATALOGUE: ReadonlyMap<number, CodeEntry> = new Map<number, CodeEntry>([
  // WeChat's answers on the plugin-management pages. The older pages give 89044 for "no such
  // plugin appid"; another SDK's table (and its users) give 89244 with the same text.
  [0, { source: 'wechat', zh: 'ok', errmsg: 'ok', what: 'success: WeChat did what was asked (for apply: the application was sent to the plugin developer)', todo: 'nothing; after apply, wait for the developer to approve it', retry: 'never', evidence: 'documented', seenIn: PLUGIN_PAGE }],
  [-1, { source: 'wechat', zh: '系统错误', errmsg: 'system error', what: 'WeChat is busy (system error)', todo: RETRY_LATER, retry: 'in-call', mayHaveActed: true, evidence: 'documented', seenIn: PLUGIN_PAGE }],
  [89236, { source: 'wechat', zh: '该插件不能申请', what: 'this plugin does not accept applications', todo: 'ask the plugin developer to open it to applications, or choose another plugin', retry: 'never', evidence: 'documented', seenIn: PLUGIN_PAGE }],
  [89237, { source: 'wechat', zh: '已经添加该插件', what: 'the plugin is already added to this mini-program, or its application is awaiting the developer', todo: 'nothing more to do', retry: 'never', evidence: 'documented', seenIn: PLUGIN_PAGE }],
  [89238, { source: 'wechat', zh: '申请或使用的插件已经达到上限', what: 'this mini-program has reached its limit of applied or used plugins', todo: 'unbind a plugin it no longer uses, then apply again', retry: 'never', evidence: 'documented', seenIn: PLUGIN_PAGE }],
  [89239, { source: 'wechat', zh: '该插件不存在', what: 'the plugin does not exist', todo: 'check the plugin appid against the plugin\'s page', retry: 'never', evidence: 'documented', seenIn: PLUGIN_PAGE }],
  [89240, { source: 'wechat', zh: '无法进行此操作，只有“待确认”的申请可操作通过/拒绝', what: 'only pending applications can be approved or refused', todo: 'refresh the application list', retry: 'never', evidence: 'documented', seenIn: PLUGIN_PAGE }],
  [89241, { source: 'wechat', zh: '无法进行此操作，只有“已拒绝/已超时”的申请可操作删除', what: 'only refused or expired applications can be deleted', todo: 'refresh the application list', retry: 'never', evidence: 'documented', seenIn: PLUGIN_PAGE }],
  [89242, { source: 'wechat', zh: '该appid不在申请列表内', what: 'the appid is not in the application list', todo: 'check the appid', retry: 'never', evidence: 'documented', seenIn: PLUGIN_PAGE }],
  [89243, { source: 'wechat', zh: '“待确认”的申请不可删除', what: 'pending applications cannot be deleted', todo: 'approve or refuse it first', retry: 'never', evidence: 'documented', seenIn: PLUGIN_PAGE }],
  [89244, { source: 'wechat', errmsg: 'plugin appid not exist', what: 'this plugin is not in the mini-program\'s plugin list (no such plugin appid)', todo: 'list the plugins: it was never added, or is already removed', retry: 'never', evidence: 'reported', seenIn: `${WXJAVA}; ${COMMUNITY}` }],
  [89044, { source: 'wechat', zh: '不存在该插件appid', what: 'no plugin has this appid (the older pages\' number; most likely the same answer as 89244)', todo: 'check the plugin appid against the plugin list', retry: 'never', evidence: 'documented', seenIn: PLUGIN_PAGE, aliasOf: 89244 }],
  [89256, { source: 'wechat', zh: 'token 信息有误', errmsg: 'no component info', what: 'WeChat refused the token for this call: reported for update with a mini-program\'s own token, while apply, list and unbind work with the same token (cause unconfirmed)', todo: 'update through a third-party platform\'s authorizer_access_token (permission set 40), or change the version in the mini-program console (docs/errors.md)', retry: 'never', evidence: 'reported', seenIn: `${WXJAVA}; ${COMMUNITY}` }],
  [89257, { source: 'wechat', errmsg: 'no such version', what: 'that plugin version does not allow quick update (快速更新)', todo: 'use a version the plugin\'s developer allows for quick update', retry: 'never', evidence: 'reported', seenIn: `${WXJAVA}; ${COMMUNITY}` }],
  [89258, { source: 'wechat', errmsg: 'code is gray online', what: 'the mini-program has a grey (phased) release in progress, so quick update is refused', todo: 'wait for the grey release to end (or end it in the mini-program console), then update again', retry: 'never', evidence: 'reported', seenIn: WXJAVA }],
  [89259, { source: 'wechat', errmsg: 'zhibo plugin is not allow to delete', what: 'the live-streaming plugin cannot be removed', todo: 'keep it: WeChat does not let it be unbound', retry: 'never', evidence: 'reported', seenIn: 'a copy of WeChat\'s global error table in public code' }],
  // Quotas and third-party platforms (an authorizer_access_token in place of the mini-program's own).
  [45009, { source: 'wechat', errmsg: 'reach max api daily quota limit', what: 'this account\'s daily quota for the API is used up', todo: 'wait until tomorrow, or reset the quota with clear_quota (10 times a month)', retry: 'never', evidence: 'documented', seenIn: QUOTA_PAGES }],
  [45011, { source: 'wechat', errmsg: 'api minute-quota reach limit, must slower, retry next minute', what: 'the API\'s per-minute quota is used up', todo: 'slow down, and try again in a minute', retry: 'later', evidence: 'reported', seenIn: `${WXJAVA}; ${COMMUNITY}` }],
  [48006, { source: 'wechat', errmsg: 'forbid to clear quota because of reaching the limit', what: 'the quota cannot be reset again this month (10 resets a month)', todo: 'wait for the daily quota to renew', retry: 'never', evidence: 'documented', seenIn: QUOTA_PAGES }],
  [48001, { source: 'wechat', errmsg: 'api unauthorized', what: 'this account may not call the API, or the token is of the wrong kind', todo: 'check the account\'s capabilities, and which token (own, authoriser, component) the call uses', retry: 'never', evidence: 'documented', seenIn: COMPONENT_PAGES }],
  [61003, { source: 'wechat', errmsg: 'component is not authorized by this account', what: 'this mini-program has not authorised the third-party platform', todo: 'check the platform\'s authoriser list, and have the mini-program\'s administrator authorise it', retry: 'never', evidence: 'documented', seenIn: COMPONENT_PAGES }],
  [61004, { source: 'wechat', errmsg: 'access clientip is not registered', what: 'this server\'s IP address is not on the third-party platform\'s whitelist', todo: 'add it in the open platform\'s development settings', retry: 'never', evidence: 'documented', seenIn: COMPONENT_PAGES }],
  [61005, { source: 'wechat', errmsg: 'component ticket is expired', what: 'the component_verify_ticket is expired', todo: 'use the newest pushed ticket (api_start_push_ticket asks WeChat to push one)', retry: 'never', evidence: 'documented', seenIn: COMPONENT_PAGES }],
  [61006, { source: 'wechat', errmsg: 'component ticket is invalid', what: 'the component_verify_ticket is not valid', todo: 'use the newest pushed ticket (api_start_push_ticket asks WeChat to push one)', retry: 'never', evidence: 'documented', seenIn: COMPONENT_PAGES }],
  [61007, { source: 'wechat', errmsg: 'api is unauthorized to component', what: 'the mini-program has not granted the third-party platform plugin management (permission set 40)', todo: 'have the mini-program\'s administrator authorise the platform again, with plugin management', retry: 'never', evidence: 'documented', seenIn: COMPONENT_PAGES }],
  [61011, { source: 'wechat', errmsg: 'invalid component', what: 'the appid is not a third-party platform\'s', todo: 'check the component appid', retry: 'never', evidence: 'documented', seenIn: COMPONENT_PAGES }],
  [61023, { source: 'wechat', errmsg: 'refresh_token is invalid', what: 'the authoriser\'s refresh token is stale or revoked', todo: 'read it again from the authoriser list once; if that fails, have the mini-program authorise the platform again', retry: 'never', evidence: 'reported', seenIn: COMMUNITY }],
  [61024, { source: 'wechat', errmsg: 'must use api(api_component_token) to get token for component acct', what: 'a third-party platform\'s appid was used to get an ordinary access token', todo: 'get the platform\'s token with api_component_token, or use the mini-program\'s own appid and secret', retry: 'never', evidence: 'reported', seenIn: COMMUNITY }],
  [41018, { source: 'wechat', errmsg: 'missing component_appid', what: 'the request carried no component_appid', todo: 'set the third-party platform\'s appid (WECHAT_COMPONENT_APPID)', retry: 'never', evidence: 'reported', seenIn: COMMUNITY }],
  [47001, { source: 'wechat', errmsg: 'data format error', what: 'WeChat could not read the request body as the JSON it expects', todo: 'report it with the log line: this project always sends a JSON object', retry: 'never', evidence: 'documented', seenIn: COMPONENT_PAGES }],
  [76003, { source: 'wechat', errmsg: 'invalid cgi_path', what: 'the quota request\'s cgi_path is not a path (it must start with "/", without the host)', todo: 'pass the API\'s path, such as /wxa/plugin', retry: 'never', evidence: 'documented', seenIn: QUOTA_PAGES }],
  [76021, { source: 'wechat', errmsg: 'cgi_path not found', what: 'the quota request names an API WeChat does not know', todo: 'check the API\'s path, such as /wxa/plugin', retry: 'never', evidence: 'documented', seenIn: QUOTA_PAGES }],
  [76022, { source: 'wechat', errmsg: 'token does not match the api', what: 'the quota request\'s token is not of the account the API belongs to', todo: 'ask with the component token for component APIs, and with the authoriser\'s token for its own', retry: 'never', evidence: 'documented', seenIn: QUOTA_PAGES }],
  [41004, { source: 'wechat', errmsg: 'appsecret missing', what: 'the app secret is missing', todo: 'set WECHAT_APPSECRET (or the platform\'s secret)', retry: 'never', evidence: 'documented', seenIn: COMPONENT_PAGES }],
  // WeChat's token errors, met by the HTTPS form.
  [41001, { source: 'wechat', zh: '缺少 access_token 参数', errmsg: 'access_token missing', what: 'the request carried no access token', todo: 'report it with the log line: this project always sends one', retry: 'never', evidence: 'documented', seenIn: GLOBAL_TABLE }],
  [40002, { source: 'wechat', zh: '不合法的凭证类型', errmsg: 'invalid grant_type', what: 'the token request\'s grant_type is not valid', todo: 'report it with the log line: this project always sends client_credential', retry: 'never', evidence: 'documented', seenIn: GLOBAL_TABLE }],
  [40097, { source: 'wechat', zh: '参数错误', errmsg: 'invalid args', what: 'WeChat refused the request\'s arguments', todo: 'check the fields against the API page; for an action WeChat does not know, update this project', retry: 'never', evidence: 'documented', seenIn: GLOBAL_TABLE }],
  [40001, { source: 'wechat', zh: '获取 access_token 时 AppSecret 错误，或者 access_token 无效', errmsg: 'invalid credential, access_token is invalid or not latest', what: 'the access token or app secret is invalid', todo: 'check WECHAT_APPSECRET, or get a new access token', retry: 'never', evidence: 'documented', seenIn: TOKEN_PAGE }],
  [40014, { source: 'wechat', zh: '不合法的 access_token', what: 'the access token is not valid', todo: 'get a new access token', retry: 'never', evidence: 'documented', seenIn: GLOBAL_TABLE }],
  [42001, { source: 'wechat', zh: 'access_token 超时', errmsg: 'access_token expired', what: 'the access token has expired', todo: 'get a new access token', retry: 'never', evidence: 'documented', seenIn: GLOBAL_TABLE }],
  [40013, { source: 'wechat', zh: '不合法的 AppID', errmsg: 'invalid appid', what: 'the appid is not valid', todo: 'check WECHAT_APPID', retry: 'never', evidence: 'documented', seenIn: TOKEN_PAGE }],
  [40125, { source: 'wechat', zh: '不合法的 secret', errmsg: 'invalid appsecret', what: 'the app secret is not valid', todo: 'check WECHAT_APPSECRET (the mini-program console can reset it)', retry: 'never', evidence: 'documented', seenIn: TOKEN_PAGE }],
  [40164, { source: 'wechat', zh: '调用接口的IP地址不在白名单中', what: 'this server\'s IP address is not on the appid\'s whitelist', todo: 'add it in the mini-program console (Development > Development settings)', retry: 'never', evidence: 'documented', seenIn: GLOBAL_TABLE }],
  // CloudBase platform codes a caller meets.
  [-401001, { source: 'platform', what: 'the caller has no permission to call cloud functions', todo: 'check the environment\'s security rules', retry: 'never', evidence: 'documented', seenIn: SDK_TABLE }],
  [-404011, { source: 'platform', what: 'the cloud function failed to execute (it threw or timed out)', todo: 'read the function\'s log in the cloud console', retry: 'never', evidence: 'documented', seenIn: SDK_TABLE }],
  [-501000, { source: 'platform', what: 'the cloud function or environment was not found', todo: 'check the function name and the environment id', retry: 'never', evidence: 'documented', seenIn: SDK_TABLE }],
  [-501001, { source: 'platform', what: 'the gateway or the network failed', todo: RETRY_LATER, retry: 'in-call', mayHaveActed: true, evidence: 'documented', seenIn: SDK_TABLE }],
  [-501002, { source: 'platform', what: 'the cloud gateway timed out', todo: RETRY_LATER, retry: 'in-call', mayHaveActed: true, evidence: 'documented', seenIn: SDK_TABLE }],
  [-501003, { source: 'platform', what: 'the environment\'s request quota is exceeded', todo: 'wait, or raise the quota in the cloud console', retry: 'never', evidence: 'documented', seenIn: SDK_TABLE }],
  [-501004, { source: 'platform', what: 'the environment\'s concurrency limit is exceeded', todo: RETRY_LATER, retry: 'in-call', evidence: 'documented', seenIn: SDK_TABLE }],
  [-501005, { source: 'platform', what: 'the cloud environment is invalid', todo: 'check the environment id the function is deployed to', retry: 'never', evidence: 'documented', seenIn: SDK_TABLE }],
  [-501007, { source: 'platform', what: 'the cloud gateway refused the request parameters', todo: 'update the function; if it persists, report it with the function log', retry: 'never', evidence: 'documented', seenIn: SDK_TABLE }],
  [-601001, { source: 'platform', what: 'WeChat\'s server sent an answer that could not be read', todo: RETRY_LATER, retry: 'in-call', mayHaveActed: true, evidence: 'documented', seenIn: SDK_TABLE }],
  [-604100, { source: 'platform', what: 'the open API {api} was not found', todo: 'update wx-server-sdk, or check the API name', retry: 'never', evidence: 'documented', seenIn: SDK_TABLE }],
  [-604101, { source: 'platform', what: 'this cloud function has no permission to call {api}', todo: 'add "{api}" to permissions.openapi in the function\'s own config.json and upload it again; a change can take about 10 minutes to apply', retry: 'never', evidence: 'documented', seenIn: SDK_TABLE }],
  [-604102, { source: 'platform', what: 'the open API call timed out', todo: RETRY_LATER, retry: 'in-call', mayHaveActed: true, evidence: 'documented', seenIn: SDK_TABLE }],
  [-604103, { source: 'platform', what: 'the open API call hit a system error', todo: RETRY_LATER, retry: 'in-call', mayHaveActed: true, evidence: 'documented', seenIn: SDK_TABLE }],
  [-604104, { source: 'platform', what: 'the open API refused the invocation source', todo: 'call the function from the mini-program, the HTTP API or a trigger', retry: 'never', evidence: 'documented', seenIn: SDK_TABLE }],
  // The project's own.
  [ProjectCode.INVALID_EVENT, { source: 'project', what: 'the request is not a JSON object', todo: 'call with an object such as { action: "list" } or { pluginAppid: "wx0123456789abcdef" }', retry: 'never' }],
  [ProjectCode.INVALID_APPID, { source: 'project', what: 'an appid field (pluginAppid, appid) is missing or not an appid', todo: 'pass "wx" followed by 16 lowercase hex digits', retry: 'never' }],
  [ProjectCode.INVALID_TEXT, { source: 'project', what: 'a text field (reason) is missing where required, not a string, or too long', todo: 'pass a string of at most 500 characters', retry: 'never' }],
  // The actions themselves are named in errMsg, from the function's route.
  [ProjectCode.INVALID_ACTION, { source: 'project', what: 'action is missing, unknown, or not what this function performs', todo: 'pass one of the function\'s actions, as errMsg lists them', retry: 'never' }],
  [ProjectCode.INVALID_VERSION, { source: 'project', what: 'a version field (userVersion) is missing or not a version', todo: 'pass digits and dots, such as "2.2.46"', retry: 'never' }],
  [ProjectCode.INVALID_NUMBER, { source: 'project', what: 'a number field (page, num) is not a whole number within its bounds', todo: 'pass a whole number within the bounds errMsg gives', retry: 'never' }],
  [ProjectCode.ADMIN_NOT_CONFIGURED, { source: 'project', what: 'no administrators are configured, so calls from a mini-program are refused', todo: 'set the environment variable ADMIN_OPENIDS (comma-separated OPENIDs) on this function in the cloud console', retry: 'never' }],
  [ProjectCode.NOT_ADMIN, { source: 'project', what: 'this caller is not an administrator', todo: 'ask an administrator to add your OPENID to ADMIN_OPENIDS', retry: 'never' }],
  [ProjectCode.HTTP_ACCESS_REFUSED, { source: 'project', what: 'the function was called through HTTP access (an API-gateway request), which it never serves', todo: 'call it with wx.cloud.callFunction, and remove its HTTP access path in the cloud console', retry: 'never' }],
  [ProjectCode.CROSS_ACCOUNT_REFUSED, { source: 'project', what: 'the call came from another mini-program\'s account (cross-account call), whose users are never administrators here', todo: 'call from this mini-program itself', retry: 'never' }],
  [ProjectCode.CONFIG_REFUSED, { source: 'project', what: 'the function\'s ADMIN_OPENIDS or TRUSTED_SOURCES cannot be used as written, so no call is let through', todo: 'fix the variable errMsg names in the function\'s configuration in the cloud console', retry: 'never' }],
  [ProjectCode.DEADLINE_EXCEEDED, { source: 'project', what: 'WeChat did not answer within the time limit', todo: 'try again; if it keeps happening, raise the timeout (the cloud function\'s in the cloud console, or the HTTPS form\'s --timeout)', retry: 'later', mayHaveActed: true }],
  [ProjectCode.CREDENTIALS_MISSING, { source: 'project', what: 'the cloud platform\'s credentials are missing, and the gateway refused the unsigned call', todo: 'run the function in the cloud, or set TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY for a local run', retry: 'never' }],
  [ProjectCode.UNEXPECTED_ANSWER, { source: 'project', what: 'the answer carried no WeChat result code, so whether WeChat acted on it is unknown', todo: 'check the current state (the plugin list) before trying again', retry: 'never', mayHaveActed: true }],
  [ProjectCode.INTERNAL, { source: 'project', what: 'the function failed unexpectedly', todo: 'read the function\'s log line for this request id and report it', retry: 'never' }],
  [ProjectCode.HTTPS_CREDENTIALS_MISSING, { source: 'project', what: 'no credentials for the HTTPS API', todo: 'set WECHAT_ACCESS_TOKEN, or WECHAT_APPID and WECHAT_APPSECRET', retry: 'never' }],
  [ProjectCode.INVALID_BASE_URL, { source: 'project', what: 'the HTTPS API base URL is not usable', todo: 'set WECHAT_API_BASE_URL to an http(s) URL without credentials, query or fragment, or leave it unset', retry: 'never' }],
  [ProjectCode.HTTPS_OPTIONS_INVALID, { source: 'project', what: 'the HTTPS client\'s options cannot be used', todo: 'fix the option errMsg names where createHttpsClient is called', retry: 'never' }],
  [ProjectCode.COMPONENT_CREDENTIALS_MISSING, { source: 'project', what: 'the third-party platform\'s credentials are incomplete', todo: 'set WECHAT_COMPONENT_APPID, WECHAT_COMPONENT_SECRET and WECHAT_COMPONENT_VERIFY_TICKET (the ticket, or @FILE holding it)', retry: 'never' }],
  [ProjectCode.NO_REFRESH_TOKEN, { source: 'project', what: 'no refresh token is stored for this authoriser', todo: 'list the authorisers (wxplugin authorizers) to store their refresh tokens; one that is not listed must authorise the platform first', retry: 'never' }],
  [ProjectCode.TOKEN_STORE_FAILED, { source: 'project', what: 'the token store could not be read or written', todo: 'check the store (its folder and permissions, or its database), then try again', retry: 'never' }],
  [ProjectCode.BATCH_OPTIONS_INVALID, { source: 'project', what: 'the batch run\'s options cannot be used', todo: 'fix the option errMsg names where openBatch (or start, resume, work) is called; nothing was sent', retry: 'never' }],
  [ProjectCode.CERTIFICATE_REFUSED, { source: 'project', what: 'the server\'s TLS certificate was not trusted, so nothing was sent', todo: 'check the base URL (WeChat\'s is https://api.weixin.qq.com); a server with its own CA needs that CA trusted, with NODE_EXTRA_CA_CERTS=ca.pem', retry: 'never' }],
  [ProjectCode.PLATFORM_CREDENTIALS_REFUSED, { source: 'project', what: 'WeChat refused the third-party platform\'s own credentials, so no authoriser can be called', todo: 'fix what errMsg names (WECHAT_COMPONENT_SECRET, WECHAT_COMPONENT_APPID, the verify ticket, or this server\'s IP on the platform\'s whitelist), then resume the run', retry: 'never' }],
  [ProjectCode.PLATFORM_QUOTA_SPENT, { source: 'project', what: 'the third-party platform\'s own daily quota for api_component_token is spent', todo: 'reset it with clearComponentQuotaByAppSecret (10 times a month) or wait for WeChat\'s reset at midnight China time, then resume the run', retry: 'never' }],
  [ProjectCode.TOKEN_COMMAND_FAILED, { source: 'project', what: 'the platform\'s token command gave no usable token, so nothing was sent', todo: 'run the command by hand with "component" or "authorizer APPID" appended: it must print {"access_token":"...","expires_in":7200} and exit 0 within 10 s; then resume the run', retry: 'never' }],
  [ProjectCode.LISTING_BROKEN, { source: 'project', what: 'api_get_authorizer_list answered pages that do not add up (a page repeated, an offset that did not advance, or more pages than its total_count)', todo: 'list again later (resume the run); if it persists, the listing answers are not WeChat\'s: check WECHAT_API_BASE_URL', retry: 'never' }],
  [ProjectCode.BATCH_RUN_NOT_FOUND, { source: 'project', what: 'the batch store holds no such run', todo: 'pass a run id that start() answered (or `wxplugin batch` printed) for this store, or none for the newest run', retry: 'never' }],
  [ProjectCode.DASHBOARD_UNAUTHORISED, { source: 'project', what: 'the request carried neither the dashboard\'s token nor its session', todo: 'open the address `wxplugin dashboard` printed (it carries ?token=), or send the header Authorization: Bearer TOKEN', retry: 'never' }],
  [ProjectCode.DASHBOARD_FOREIGN_ORIGIN, { source: 'project', what: 'a POST came from a page of another origin, so nothing was done', todo: 'steer runs from the dashboard\'s own page, or from a script that sends Authorization: Bearer TOKEN', retry: 'never' }],
]);

/** The project's own range, -930xxx: a code WeChat sends in it must never read as one of ours. */
export function isProjectCode(code: number): boolean {
  return code <= -930000 && code > -931000;
}

export function describeCode(code: number): CodeEntry | undefined {
  return CATALOGUE.get(code);
}

/**
 * What the engine needs to know about one plugin-management operation. Adding an operation
 * (list, unbind, the developer's side) means writing one of these and a thin entry point; the
 * engine, the transports, the retry rule and the error handling are shared.
 */
export interface Operation<Params> {
  /** The name WeChat uses in errMsg: `applyPlugin:ok`, `applyPlugin:fail ...`. */
  readonly name: string;
  /** The cloud-call API, also the permission config.json must grant: `pluginManager.applyPlugin`. */
  readonly api: string;
  /** The HTTPS endpoint's path for the same operation. */
  readonly httpsPath: string;
  /**
   * Administrators only? Operations that change what the mini-program uses are; a read-only
   * operation could be opened to everyone.
   */
  readonly adminOnly: boolean;
  /**
   * Turns the caller's event into typed parameters, or throws an OperationError. Fields it does not
   * know (such as `userInfo`, which older clients inject) are ignored, never trusted.
   */
  parse(event: unknown): Params;
  /** The body WeChat receives, in WeChat's own snake_case, identical for both transports. */
  toWire(params: Params): Record<string, string | number>;
  /**
   * Codes that, after an earlier attempt of the same call may have reached WeChat unanswered, can
   * be that attempt's own doing, with the sentence errMsg adds to say so.
   */
  readonly afterLostAnswer?: Readonly<Record<number, string>>;
  /** Fields worth a place in the invocation's log line (never free text or secrets). */
  logFields(params: Params): Record<string, string>;
}

export type AnyOperation = Operation<unknown>;

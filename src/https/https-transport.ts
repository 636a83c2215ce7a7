import type { Budget } from '../core/deadline';
import type { Transport } from '../core/engine';
import { OperationError } from '../core/errors';
import type { WireBody } from '../core/operation';
import { answerError, unexpectedAnswer } from '../core/remote';
import { TOKEN_ERRORS, type AccessTokenSource } from './access-token';
import { postJson, type Fetch } from './http';

/**
 * Sends an operation's wire body to `POST {baseUrl}{route.path}?access_token=TOKEN` and resolves
 * WeChat's answer without `errcode` and `errmsg` (the fields an operation may read). A token
 * error (40001, 40014, 42001) goes back to the token source, and the request is sent again with
 * what it answers next (token-rule.ts); every other answer is
 * the engine's to judge (and to retry, for -1).
 */
/** The first send, one after a re-read, one after a forced refresh. */
const MAX_SENDS = 3;

export function createHttpsTransport(options: { baseUrl: string; tokens: AccessTokenSource; fetch?: Fetch | undefined; beforeRequest?: (() => Promise<void>) | undefined }): Transport {
  async function sendOnce(path: string, body: WireBody, budget: Budget, token: string): Promise<Record<string, unknown>> {
    const url = `${options.baseUrl}${path}?access_token=${encodeURIComponent(token)}`;
    const answer = await postJson(options.fetch, url, body, budget.signal, { beforeRequest: options.beforeRequest });
    if (answer.errcode === undefined) throw unexpectedAnswer('a JSON object without errcode');
    if (answer.errcode !== 0) throw answerError(answer.errcode, answer.errmsg);
    const { errcode: _errcode, errmsg: _errmsg, ...result } = answer;
    return result;
  }

  /** WeChat refused the token the request carried (not the token request itself: that has no token yet). */
  const tokenRefused = (error: unknown): boolean => error instanceof OperationError && TOKEN_ERRORS.has(error.code);

  return {
    async send({ path }, body, budget) {
      let token = await options.tokens.get(budget);
      // At most a re-read and then a forced refresh (token-rule.ts): three sends in all.
      for (let sends = 1; ; sends += 1) {
        try {
          return await sendOnce(path, body, budget, token);
        } catch (error) {
          // The refused token goes with the refusal, so that refusals of one token share one fetch.
          if (!tokenRefused(error) || sends === MAX_SENDS || !options.tokens.invalidate(token, (error as OperationError).code)) throw error;
          token = await options.tokens.get(budget);
        }
      }
    },
  };
}

import type { Transport } from '../core/engine';
import { OperationError } from '../core/errors';
import { remoteError, unexpectedAnswer } from '../core/remote';
import { TOKEN_ERRORS, type AccessTokenSource } from './access-token';
import { postJson, type Fetch } from './http';

/**
 * Sends an operation's wire body to `POST {baseUrl}{httpsPath}?access_token=TOKEN`. A token
 * error (40001, 40014, 42001) refreshes the token once and sends once more; every other answer is
 * the engine's to judge (and to retry, for -1).
 */
export function createHttpsTransport(options: { baseUrl: string; tokens: AccessTokenSource; fetch: Fetch }): Transport {
  async function sendOnce(httpsPath: string, body: Record<string, string | number>, deadline: number): Promise<void> {
    const token = await options.tokens.get(deadline - Date.now());
    const url = `${options.baseUrl}${httpsPath}?access_token=${encodeURIComponent(token)}`;
    const answer = await postJson(options.fetch, url, body, deadline - Date.now());
    if (typeof answer.errcode !== 'number') throw unexpectedAnswer('a JSON object without errcode');
    if (answer.errcode !== 0) throw remoteError(answer.errcode, answer.errmsg);
  }

  return {
    async send(_api, httpsPath, body, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      try {
        await sendOnce(httpsPath, body, deadline);
      } catch (error) {
        const tokenRefused = error instanceof OperationError && TOKEN_ERRORS.has(error.code);
        if (!tokenRefused || !options.tokens.invalidate()) throw error;
        await sendOnce(httpsPath, body, deadline);
      }
    },
  };
}

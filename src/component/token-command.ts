import { spawn } from 'node:child_process';
import { ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';
import { APPID_PATTERN } from '../core/fields';
import type { ComponentTokenSource, IssuedPlatformToken } from './token-source';

/**
 * A token source that runs the platform's own command (`--token-command`, WXPLUGIN_TOKEN_COMMAND),
 * as AWS's credential_process or git's credential helpers do: CMD runs through the shell with
 * `component` or `authorizer APPID` appended, prints one JSON object
 * `{"access_token":"…","expires_in":7200}` (expires_in optional) and exits 0. Asked because WeChat
 * refused a token, it finds that token in WXPLUGIN_REFUSED_TOKEN.
 *
 * What the command prints is never echoed (it holds a token): a failure says only how it failed.
 * Its stderr is not read either; a command that wants a log writes its own.
 */
export const TOKEN_COMMAND_TIMEOUT_MS = 10_000;
/** The most of its output read: a token answer is a few hundred bytes. */
const MAX_OUTPUT_BYTES = 64 * 1024;
/** Commands running at once: a batch of 128 calls in flight must not start 128 processes together. */
const MAX_RUNNING = 16;
export const REFUSED_TOKEN_VARIABLE = 'WXPLUGIN_REFUSED_TOKEN';

export interface TokenCommandOptions {
  readonly timeoutMs?: number;
  /** The command's environment (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const TODO = 'it must print {"access_token":"…","expires_in":7200} and exit 0 within 10 s: run it by hand with those words appended, fix it, then try again';

function failed(words: string, how: string): OperationError {
  return new OperationError(ProjectCode.TOKEN_COMMAND_FAILED, { detail: `the token command, asked for "${words}", ${how}: ${TODO}` });
}

/** A queue of at most `limit` running at once. */
function limiter(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (work) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await work();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}

/** Runs CMD WORDS once: its parsed answer, or the reason it gave none. */
function runOnce(command: string, words: string, refused: string | undefined, options: TokenCommandOptions): Promise<IssuedPlatformToken> {
  const timeoutMs = options.timeoutMs ?? TOKEN_COMMAND_TIMEOUT_MS;
  const env: Record<string, string | undefined> = { ...(options.env ?? process.env) };
  delete env[REFUSED_TOKEN_VARIABLE];
  if (refused !== undefined) env[REFUSED_TOKEN_VARIABLE] = refused;
  return new Promise((resolve, reject) => {
    // Its own process group, so that a command out of time is stopped with whatever it started.
    const child = spawn(`${command} ${words}`, { shell: true, stdio: ['ignore', 'pipe', 'ignore'], env, detached: true });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const stop = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      stop();
      settle(() => reject(failed(words, `did not answer within ${Math.round(timeoutMs / 1000)} s`)));
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT_BYTES) chunks.push(chunk);
      else stop();
    });
    child.on('error', (error: NodeJS.ErrnoException) => settle(() => reject(failed(words, `could not be started (${error.code ?? 'error'})`))));
    child.on('close', (code, signal) => {
      settle(() => {
        if (size > MAX_OUTPUT_BYTES) return reject(failed(words, `printed more than ${MAX_OUTPUT_BYTES} bytes`));
        if (code !== 0) return reject(failed(words, signal ? `was ended by ${signal}` : `exited with status ${code}`));
        let answer: unknown;
        try {
          answer = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return reject(failed(words, 'printed no JSON object'));
        }
        if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return reject(failed(words, 'printed no JSON object'));
        const { access_token: token, expires_in: expiresIn } = answer as Record<string, unknown>;
        if (typeof token !== 'string' || token === '') return reject(failed(words, 'printed no access_token'));
        if (expiresIn !== undefined && !(typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0)) return reject(failed(words, 'printed an expires_in that is not a positive number of seconds'));
        resolve({ token, ...(expiresIn !== undefined ? { expiresInSeconds: expiresIn } : {}) });
      });
    });
  });
}

export function commandTokenSource(command: string, options: TokenCommandOptions = {}): ComponentTokenSource {
  const queue = limiter(MAX_RUNNING);
  return {
    component: (refused) => queue(() => runOnce(command, 'component', refused, options)),
    authorizer: (appid, refused) => {
      // Appended to a shell command line: only an appid, never anything the shell would read.
      if (!APPID_PATTERN.test(appid)) return Promise.reject(new OperationError(ProjectCode.INVALID_APPID));
      return queue(() => runOnce(command, `authorizer ${appid}`, refused, options));
    },
  };
}

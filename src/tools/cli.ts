import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { OperationError } from '../core/errors';
import { parseBaseUrl } from '../https/base-url';
import { forTerminal } from './terminal';

/**
 * The command-line tools' shared argument handling: strict options, and for any mistake one line on
 * stderr that points at the tool's help, exit status 2, nothing done.
 */
export interface Tool {
  /** How messages are prefixed, e.g. `wxplugin apply`. */
  readonly name: string;
  /** The command that shows the help, e.g. `npm run -s wxplugin -- apply --help`. */
  readonly help: string;
}

export function usageError(tool: Tool, message: string): never {
  process.stderr.write(`${tool.name}: ${forTerminal(message)} (see \`${tool.help}\`)\n`);
  process.exit(2);
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * A string option's value may itself start with "-" (a negative number, a reason such as
 * "-- see notes"): Node's parser would take it for an option, so it is joined as `--name=value`,
 * and the option's own check then says what is wrong with it.
 */
function joinDashValues(args: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    const next = args[index + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && next.startsWith('-') && !(next.slice(2) in options)) {
      out.push(`${arg}=${next}`);
      index += 1;
    } else out.push(arg);
  }
  return out;
}

/**
 * A flag given twice is refused (Node's parser silently keeps the last): `--reason a --reason b`
 * is more likely a mistake than a choice. Runs on the joined arguments, where every option's value
 * is either after "=" or the next argument.
 */
function repeatedFlag(args: readonly string[], options: Options): string | undefined {
  const seen = new Set<string>();
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') continue;
    const written = arg.split('=')[0]!;
    const name = written.startsWith('--') ? written.slice(2) : Object.keys(options).find((key) => options[key]!.short === written.slice(1));
    if (name === undefined || !(name in options)) continue;
    if (seen.has(name)) return `--${name} is given twice: give it once`;
    seen.add(name);
    if (options[name]!.type === 'string' && !arg.includes('=')) index += 1;
  }
  return undefined;
}

/**
 * Node's parser messages, in one line each, in this project's words. A positional argument is
 * never echoed: it may be a secret typed in the wrong place.
 */
function explain(error: { code?: string; message: string }, args: readonly string[]): string {
  const option = /'(-{1,2}[^' =]+)/.exec(error.message)?.[1] ?? args.find((arg) => arg.startsWith('-'))?.split('=')[0] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(error.message) ? `${option.split('=')[0]} needs a value` : `${option.split('=')[0]} takes no value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return 'unexpected argument (not shown, in case it is a secret): options are written --name value';
    default:
      return 'the arguments could not be read';
  }
}

export function parseOptions<O extends Options>(tool: Tool, options: O, args: readonly string[] = process.argv.slice(2)) {
  const joined = joinDashValues(args, options);
  const repeated = repeatedFlag(joined, options);
  if (repeated) usageError(tool, repeated);
  try {
    return parseArgs({ args: joined, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    return usageError(tool, explain(error as { code?: string; message: string }, args));
  }
}

/**
 * The tools need Node.js 18.3 (util.parseArgs, fetch). On an older Node they would fail with
 * "parseArgs is not a function" or "fetch is not defined"; this says what to do instead.
 */
export function requireNode18(toolName: string, needs = '18.3'): void {
  if (typeof parseArgs === 'function' && typeof globalThis.fetch === 'function') return;
  process.stderr.write(`${toolName}: needs Node.js ${needs} or later (this is ${process.version}): install a newer Node.js\n`);
  process.exit(2);
}

/**
 * A reader that stops early (`wxplugin authorizers --json | head -2`) closes the pipe, and the next
 * write fails with EPIPE, which Node raises as an unhandled 'error': a stack trace. The output is no
 * longer wanted, so the command ends there, quietly, as command-line tools do when their reader
 * goes: with the exit status already decided, else 1 (not everything was delivered). Anything
 * else going wrong with the output is still raised.
 */
export function endQuietlyWhenOutputCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 1);
    });
  }
}

/** Exits once what was printed has been written: nothing left running (a token fetch given up on) can make the process linger. */
export function exitWhenWritten(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/** `WECHAT_API_BASE_URL` (white space alone counts as unset), checked: a bad one is a usage error. */
export function readBaseUrlVariable(tool: Tool): string | undefined {
  const raw = process.env.WECHAT_API_BASE_URL?.trim() || undefined;
  try {
    if (raw) parseBaseUrl(raw, 'WECHAT_API_BASE_URL');
  } catch (error) {
    usageError(tool, (error as OperationError).detail ?? 'WECHAT_API_BASE_URL is not usable');
  }
  return raw;
}

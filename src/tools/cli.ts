import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { OperationError } from '../core/errors';
import { parseBaseUrl } from '../https/base-url';

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
  process.stderr.write(`${tool.name}: ${message} (see \`${tool.help}\`)\n`);
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

/** Node's parser messages, in one line each, in this project's words. */
function explain(error: { code?: string; message: string }, args: readonly string[]): string {
  const option = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1] ?? args.find((arg) => arg.startsWith('-')) ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(error.message) ? `${option.split('=')[0]} needs a value` : `${option.split('=')[0]} takes no value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(/'([^']*)'/.exec(error.message)?.[1] ?? '')}: options are written --name value`;
    default:
      return error.message.split('\n')[0]!;
  }
}

export function parseOptions<O extends Options>(tool: Tool, options: O, args: readonly string[] = process.argv.slice(2)) {
  try {
    return parseArgs({ args: joinDashValues(args, options), options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    return usageError(tool, explain(error as { code?: string; message: string }, args));
  }
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

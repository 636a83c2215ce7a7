import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * The command-line tools' shared argument handling: strict options, and for any mistake a message
 * on stderr that points at the tool's help, exit status 2, nothing done.
 */
export interface Tool {
  /** How messages are prefixed, e.g. `apply`. */
  readonly name: string;
  /** The command that shows the help, e.g. `npm run apply -- --help`. */
  readonly help: string;
}

export function usageError(tool: Tool, message: string): never {
  process.stderr.write(`${tool.name}: ${message}\nRun \`${tool.help}\` for the options.\n`);
  process.exit(2);
}

export function parseOptions<Options extends NonNullable<ParseArgsConfig['options']>>(tool: Tool, options: Options) {
  try {
    return parseArgs({ options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    return usageError(tool, (error as Error).message);
  }
}

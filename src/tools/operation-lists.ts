/**
 * What the command line's help and docs/https-cli.md say about each operation, read from the
 * registry so that neither can drift from it: a new operation is listed wherever operations are,
 * with its flags, the moment it has its line in the registry. `npm run types` writes the doc's
 * generated parts (scripts/generate-operations-doc.mjs); a unit test fails when they differ.
 */
import { flagOf, type AnyField } from '../core/fields';
import type { AnyOperation } from '../core/operation';
import { OPERATIONS } from '../core/operations';

const VALUE_WORDS: Readonly<Record<AnyField['kind'], string>> = { integer: 'N', text: 'TEXT', version: 'VERSION', appid: 'ID' };

/** `--plugin-appid ID`: a field's flag and what its value is. */
export function flagWithValue(name: string, field: AnyField): string {
  return `--${flagOf(name)} ${VALUE_WORDS[field.kind]}`;
}

/** `(required)`, `(default 20)` or `(optional)`. */
export function presenceNote(field: AnyField): string {
  return field.presence === 'required' ? '(required)' : field.defaultValue !== undefined ? `(default ${field.defaultValue})` : '(optional)';
}

const code = (text: string): string => `\`${text}\``;

/** `a`, `a and b`, `a, b and c`. */
function listed(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** The command table's options cell: each flag with its note, and `--all` for a paged list. */
function optionsCell(operation: AnyOperation): string {
  const flags = Object.entries(operation.fields).map(([name, field]) => `${code(flagWithValue(name, field))} ${presenceNote(field)}`);
  return [...flags, ...(operation.paging ? [code('--all')] : [])].join(', ');
}

/** The generated parts of docs/https-cli.md, by the name their markers carry. */
export function operationLists(operations: readonly AnyOperation[] = OPERATIONS): Readonly<Record<string, string>> {
  return {
    paths: listed([...new Set(operations.map((operation) => operation.route.path))].map((path) => code(`POST ${path}`))),
    methods: listed(operations.map((operation) => code(operation.name))),
    commands: [
      '| command | options | does |',
      '| --- | --- | --- |',
      ...operations.map((operation) => `| ${code(operation.action)} | ${optionsCell(operation)} | ${operation.summary} |`),
    ].join('\n'),
  };
}

/**
 * `doc` with each `<!-- generated:NAME -->...<!-- /generated:NAME -->` part holding `parts[NAME]`.
 * A marker without its part, or a part without its markers, is a mistake in the doc: thrown.
 */
export function withGeneratedParts(doc: string, parts: Readonly<Record<string, string>>): string {
  let out = doc;
  for (const [name, text] of Object.entries(parts)) {
    const pattern = new RegExp(`(<!-- generated:${name} -->)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!pattern.test(out)) throw new Error(`the doc has no <!-- generated:${name} --> part`);
    const block = text.includes('\n') ? `\n${text}\n` : text;
    out = out.replace(pattern, (_whole, open: string, close: string) => `${open}${block}${close}`);
  }
  return out;
}

#!/usr/bin/env node
// Writes miniprogram/types/plugin-manager.ts: the request and result types of every call the
// mini-program can make, generated from the same registry and contract the cloud functions run.
// DevTools compiles only miniprogram/, so the mini-program cannot import src/; this file is how
// it sees the contract, and test/unit/miniprogram-types.test.ts fails when it drifts.
//
//   node scripts/generate-types.mjs            write the file
//   node scripts/generate-types.mjs --stdout   print what it would write (the drift test)
//
// Two sources, so nothing is written twice:
// - the registry at run time (scripts/registry.mjs): which functions exist, their operations and
//   actions, whether `action` may be left out (asked of the route itself), each field's help line;
// - the TypeScript checker: OperationRequest<op>, OperationData<op> and OperationResult, printed
//   structurally, so the types are exactly what src/ declares.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { PROJECT_ROOT } from './esbuild-plugins.mjs';
import { loadRegistry } from './registry.mjs';

export const OUTPUT = join(PROJECT_ROOT, 'miniprogram', 'types', 'plugin-manager.ts');

const pascal = (name) => name[0].toUpperCase() + name.slice(1);
/** A JSDoc block: one line when it fits, else one ` * ` line per source line. */
function doc(text, indent) {
  if (!text) return '';
  const lines = text.replace(/\*\//g, '*\\/').split('\n');
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((line) => `${indent} * ${line}`.trimEnd()).join('\n')}\n${indent} */\n`;
}

/** Which functions offer which operations, asked of the registry's routes rather than restated. */
function describeFunctions(registry) {
  return Object.entries(registry.CLOUD_FUNCTIONS).map(([functionName, route]) => {
    let actionOptional = true;
    try {
      route.select({});
    } catch {
      actionOptional = false; // the route needs an action to choose an operation
    }
    return { functionName, actionOptional, operations: route.operations };
  });
}

/** A checker over src/ plus one probe file (never written) that names the types to print. */
function checkTypes(operationNames) {
  const probe = join(PROJECT_ROOT, 'src', '__generate_types_probe__.ts');
  const lines = [
    `import type { OperationData, OperationRequest } from './core/operation';`,
    `import type { OperationResult } from './core/engine';`,
    `import type { RegisteredOperation } from './core/operations';`,
    `export type Result = OperationResult;`,
    ...operationNames.flatMap((name) => [
      `export type Request_${name} = OperationRequest<Extract<RegisteredOperation, { readonly name: '${name}' }>>;`,
      `export type Data_${name} = OperationData<Extract<RegisteredOperation, { readonly name: '${name}' }>>;`,
    ]),
  ];
  const config = ts.getParsedCommandLineOfConfigFile(join(PROJECT_ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const host = ts.createCompilerHost(config.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, version) => (file === probe ? ts.createSourceFile(file, lines.join('\n'), version) : getSourceFile(file, version));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => file === probe || fileExists(file);
  const program = ts.createProgram([probe], config.options, host);
  const checker = program.getTypeChecker();
  const aliases = new Map(program.getSourceFile(probe).statements.filter(ts.isTypeAliasDeclaration).map((node) => [node.name.text, checker.getTypeAtLocation(node.name)]));
  return { checker, aliases };
}

/**
 * Prints a type structurally for a file that cannot import src/. Named interfaces and aliases that
 * src/ declares (PluginListEntry, PluginStatus, OperationResult) keep their name and doc comment
 * and are declared once in the output; anything this printer does not know stops the generation
 * rather than being printed wrong.
 */
class Printer {
  constructor(checker) {
    this.checker = checker;
    this.named = new Map(); // name -> declaration text
  }

  /** The project's own name for a type, when it has one worth keeping. */
  nameOf(type) {
    const symbol = type.aliasSymbol ?? (type.flags & ts.TypeFlags.Object && type.objectFlags & ts.ObjectFlags.Interface ? type.symbol : undefined);
    const file = symbol?.declarations?.[0]?.getSourceFile().fileName ?? '';
    return file.startsWith(join(PROJECT_ROOT, 'src')) && !file.includes('__generate_types_probe__') ? symbol : undefined;
  }

  /** Declares a named type once (interfaces as interfaces, aliases as aliases) and returns its name. */
  declare(symbol, type) {
    const name = symbol.name;
    if (!this.named.has(name)) {
      this.named.set(name, ''); // reserve first: a type may refer to itself
      const comment = doc(ts.displayPartsToString(symbol.getDocumentationComment(this.checker)), '');
      const isInterface = !type.aliasSymbol;
      this.named.set(name, isInterface ? `${comment}export interface ${name} ${this.object(type, '')}\n` : `${comment}export type ${name} = ${this.print(type, '', false)};\n`);
    }
    return name;
  }

  print(type, indent, useNames = true) {
    const { checker } = this;
    const named = useNames && this.nameOf(type);
    if (named) return this.declare(named, type);
    const f = type.flags;
    if (f & ts.TypeFlags.Boolean) return 'boolean';
    if (f & ts.TypeFlags.Union) {
      const parts = type.types.map((member) => this.print(member, indent));
      // Numeric literals in numeric order, so the output does not depend on the checker's type ids.
      if (type.types.every((member) => member.flags & ts.TypeFlags.NumberLiteral)) parts.sort((a, b) => Number(a) - Number(b));
      return parts.join(' | ');
    }
    if (f & ts.TypeFlags.StringLiteral) return JSON.stringify(type.value);
    if (f & ts.TypeFlags.NumberLiteral) return String(type.value);
    if (f & ts.TypeFlags.BooleanLiteral) return checker.typeToString(type);
    const keyword = { [ts.TypeFlags.String]: 'string', [ts.TypeFlags.Number]: 'number', [ts.TypeFlags.Unknown]: 'unknown', [ts.TypeFlags.Undefined]: 'undefined', [ts.TypeFlags.Null]: 'null', [ts.TypeFlags.Never]: 'never' }[f];
    if (keyword) return keyword;
    if (checker.isArrayType(type)) {
      const element = this.print(checker.getTypeArguments(type)[0], indent);
      const wrapped = /[|&]/.test(element) ? `(${element})` : element;
      return `${type.target.symbol.name === 'ReadonlyArray' ? 'readonly ' : ''}${wrapped}[]`;
    }
    if (f & (ts.TypeFlags.Object | ts.TypeFlags.Intersection) && !checker.isTupleType(type)) return this.object(type, indent);
    throw new Error(`generate-types: cannot print ${checker.typeToString(type)}; teach scripts/generate-types.mjs this kind of type`);
  }

  /** An object literal type: its properties (with src's comments and readonly) and index signatures. */
  object(type, indent, help = {}) {
    const { checker } = this;
    if (checker.getSignaturesOfType(type, ts.SignatureKind.Call).length > 0) throw new Error(`generate-types: ${checker.typeToString(type)} is callable, which a JSON result cannot be`);
    const inner = `${indent}  `;
    const members = checker.getPropertiesOfType(type).map((property) => {
      const declaration = property.declarations?.[0];
      const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
      const readonly = declaration && ts.canHaveModifiers(declaration) && ts.getCombinedModifierFlags(declaration) & ts.ModifierFlags.Readonly ? 'readonly ' : '';
      let propertyType = checker.getTypeOfSymbol(property);
      // `x?: T` already allows undefined: print T, as src/ wrote it.
      if (optional && propertyType.flags & ts.TypeFlags.Union) propertyType = checker.getNonNullableType(propertyType);
      const comment = help[property.name] ?? ts.displayPartsToString(property.getDocumentationComment(checker));
      return `${doc(comment, inner)}${inner}${readonly}${property.name}${optional ? '?' : ''}: ${this.print(propertyType, inner)};`;
    });
    for (const info of checker.getIndexInfosOfType(type)) {
      const key = info.declaration?.parameters[0]?.name.getText() ?? 'key';
      const comment = info.declaration ? ts.displayPartsToString(info.declaration.symbol?.getDocumentationComment(checker) ?? []) : '';
      members.push(`${doc(comment, inner)}${inner}${info.isReadonly ? 'readonly ' : ''}[${key}: ${checker.typeToString(info.keyType)}]: ${this.print(info.type, inner)};`);
    }
    return members.length === 0 ? '{}' : `{\n${members.join('\n')}\n${indent}}`;
  }
}

export async function generateTypes() {
  const registry = await loadRegistry();
  const functions = describeFunctions(registry);
  const operations = [...new Map(functions.flatMap((fn) => fn.operations).map((operation) => [operation.name, operation])).values()];
  const { checker, aliases } = checkTypes(operations.map((operation) => operation.name));
  const printer = new Printer(checker);
  const result = printer.print(aliases.get('Result'), '');

  const perOperation = operations.map((operation) => {
    const name = pascal(operation.name);
    const help = Object.fromEntries(Object.entries(operation.fields).map(([field, declaration]) => [field, declaration.help]));
    const request = printer.object(aliases.get(`Request_${operation.name}`), '', help);
    const data = printer.print(aliases.get(`Data_${operation.name}`), '');
    return [
      doc(`What \`${operation.action}\` sends: ${operation.summary}.`, '') + `export interface ${name}Request ${request}\n`,
      ...(data === '{}'
        ? [`/** What \`${operation.action}\` answers: the common fields only. */\nexport type ${name}Result = ${result};\n`]
        : [`/** What \`${operation.action}\` adds to the common fields when errCode is 0. */\nexport interface ${name}Data ${data}\n`, `export type ${name}Result = ${result} & Partial<${name}Data>;\n`]),
    ].join('\n');
  });

  const calls = functions.map(({ functionName, actionOptional, operations: offered }) => {
    const entries = offered.map((operation) => {
      const name = pascal(operation.name);
      return `    ${operation.action}: { event: ${name}Request & { action${actionOptional ? '?' : ''}: ${JSON.stringify(operation.action)} }; result: ${name}Result };`;
    });
    return `  ${functionName}: {\n${entries.join('\n')}\n  };`;
  });

  return [
    '// GENERATED by scripts/generate-types.mjs from the operation registry (src/core/operations) and the',
    '// result contract (src/core/engine.ts). Do not edit: run `node scripts/generate-types.mjs`.',
    '// test/unit/miniprogram-types.test.ts fails when this file differs from a fresh generation.',
    '',
    [...printer.named.values()].join('\n'),
    perOperation.join('\n'),
    '/**',
    ' * Every call the mini-program can make: cloud function -> action -> the event it sends and the',
    ' * result it gets. Data fields are present only when errCode is 0, hence Partial above.',
    ' */',
    'export interface CloudFunctionCalls {',
    ...calls,
    '}',
    '',
    '/** Each function\'s actions, as values: the typed calls are built from this list, so a new action needs no hand-written method. */',
    `export const CLOUD_FUNCTION_ACTIONS = ${JSON.stringify(Object.fromEntries(functions.map(({ functionName, operations: offered }) => [functionName, offered.map((operation) => operation.action)])))} as const;`,
    '',
  ].join('\n');
}

if (fileURLToPath(import.meta.url) === resolve(process.argv[1] ?? '')) {
  const text = await generateTypes();
  if (process.argv.includes('--stdout')) {
    process.stdout.write(text);
  } else {
    mkdirSync(dirname(OUTPUT), { recursive: true });
    writeFileSync(OUTPUT, text);
    console.log(`wrote ${OUTPUT}`);
  }
}

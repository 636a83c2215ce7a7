import { ProjectCode } from './codes';
import { OperationError } from './errors';
import { describeValue } from './validate';

/**
 * The request fields an operation declares. One declaration gives validation (here), the command
 * line's flags (src/tools/wxplugin.ts), the typed request of the HTTPS client and the mini-program's
 * generated types (scripts/generate-types.mjs), and what the log line may show.
 *
 * Every rule either returns the typed value or throws an OperationError whose detail names the
 * field, what was wrong and what to send. Nothing here reads the environment or calls anything.
 */

/** required: must be given; optional: may be left out; defaulted: may be left out, then has a value. */
export type Presence = 'required' | 'optional' | 'defaulted';

export type FieldKind = 'appid' | 'text' | 'version' | 'integer';

export interface Field<T extends string | number = string | number, P extends Presence = Presence> {
  readonly kind: FieldKind;
  readonly presence: P;
  /** The project code a bad value is refused with. */
  readonly code: number;
  /** One line for --help and the README: what the field is and what it accepts. */
  readonly help: string;
  /** Whether the value may appear in the log line (never free text). */
  readonly logged: boolean;
  readonly defaultValue?: T;
  /** The value of a field that was given (not undefined); throws an OperationError when it is bad. */
  read(value: unknown, name: string): T;
  /** The value typed on a command line, before `read` checks it (numbers arrive as text there). */
  fromText(text: string): unknown;
}

export type AnyField = Field<string, Presence> | Field<number, Presence>;
export type Fields = Readonly<Record<string, AnyField>>;

type ValueOf<F> = F extends Field<infer T, Presence> ? T : never;
type Keys<F extends Fields, P extends Presence> = { [K in keyof F]: F[K] extends Field<string | number, P> ? K : never }[keyof F];
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** What a caller sends: required fields, and the others optional. */
export type RequestOf<F extends Fields> = Simplify<
  { [K in Keys<F, 'required'>]: ValueOf<F[K]> } & { [K in Keys<F, 'optional' | 'defaulted'>]?: ValueOf<F[K]> }
>;

/** What the operation receives after validation: defaults filled in. */
export type ParamsOf<F extends Fields> = Simplify<
  { [K in Keys<F, 'required' | 'defaulted'>]: ValueOf<F[K]> } & { [K in Keys<F, 'optional'>]?: ValueOf<F[K]> }
>;

/** Appids of mini-programs and plugins: "wx" followed by 16 lowercase hexadecimal digits. */
export const APPID_PATTERN = /^wx[0-9a-f]{16}$/;

/** WeChat documents no maximum for any `reason`; it is shown to a person as a short note. */
export const TEXT_MAX_CHARS = 500;

/** A version as the plugin's page shows it: digits and dots, such as 2.2.46. */
export const VERSION_PATTERN = /^\d+(?:\.\d+)*$/;
const VERSION_MAX_LENGTH = 32;

function requireString(value: unknown, name: string, code: number): string {
  if (typeof value !== 'string') throw new OperationError(code, { detail: `${name} must be a string, got ${describeValue(value)}` });
  return value;
}

/** A required string that must match a pattern; `explain` says what was wrong with one that does not. */
function patternField(kind: FieldKind, code: number, help: string, accepts: (text: string) => boolean, explain: (name: string, text: string) => string): Field<string, 'required'> {
  return {
    kind,
    presence: 'required',
    code,
    help,
    logged: true,
    fromText: (text) => text,
    read(value, name) {
      const text = requireString(value, name, code);
      if (accepts(text)) return text;
      throw new OperationError(code, { detail: explain(name, text) });
    },
  };
}

export function appidField(help: string): Field<string, 'required'> {
  return patternField('appid', ProjectCode.INVALID_APPID, help, (text) => APPID_PATTERN.test(text), (name, text) => {
    const hint = text.length <= 64 && APPID_PATTERN.test(text.trim().toLowerCase()) ? ' (check for capitals or spaces)' : '';
    return `${name} must be "wx" followed by 16 lowercase hex digits${hint}, got ${describeValue(text)}`;
  });
}

/**
 * Free text bounded in characters (code points, so a Chinese character counts once). An optional
 * text that is empty counts as not given; a required one must not be empty.
 */
export function textField<P extends 'required' | 'optional'>(help: string, presence: P, maxChars = TEXT_MAX_CHARS): Field<string, P> {
  const code = ProjectCode.INVALID_TEXT;
  return {
    kind: 'text',
    presence,
    code,
    help,
    logged: false,
    fromText: (text) => text,
    read(value, name) {
      const text = requireString(value, name, code);
      if (text.trim() === '' && presence === 'required') {
        throw new OperationError(code, { detail: `${name} must not be empty: say in a few words why` });
      }
      // Bounded before counting: a code point is at most two UTF-16 units, so a text longer than
      // twice the limit is too long without walking it (a 10 MB field is refused at once).
      if (text.length > maxChars * 2) throw new OperationError(code, { detail: `${name} is more than ${maxChars * 2} characters long; shorten it to at most ${maxChars}` });
      const length = [...text].length;
      if (length > maxChars) throw new OperationError(code, { detail: `${name} is ${length} characters long; shorten it to at most ${maxChars}` });
      return text;
    },
  };
}

export function versionField(help: string): Field<string, 'required'> {
  return patternField(
    'version',
    ProjectCode.INVALID_VERSION,
    help,
    (text) => text.length <= VERSION_MAX_LENGTH && VERSION_PATTERN.test(text),
    (name, text) => `${name} must be a version of digits and dots such as "2.2.46", got ${describeValue(text)}`,
  );
}

export interface IntegerBounds {
  readonly min: number;
  readonly max: number;
  readonly defaultValue: number;
}

const isWholeNumber = (value: unknown): value is number => Number.isInteger(value);

const SHOWN_TEXT_MAX = 20;

/**
 * A refused value as the caller wrote it, bounded: a number as it is (NaN stays NaN, JSON would say
 * null), short text in its quotes, anything longer or of another kind only described ("a string of
 * more than 1000 characters"), so a refusal is one short line whatever was sent.
 */
export function shownValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value.length <= SHOWN_TEXT_MAX ? JSON.stringify(value) : describeValue(value);
}

export function integerField(help: string, bounds: IntegerBounds): Field<number, 'defaulted'> {
  const code = ProjectCode.INVALID_NUMBER;
  return {
    kind: 'integer',
    presence: 'defaulted',
    code,
    help,
    logged: true,
    defaultValue: bounds.defaultValue,
    // Only plain decimal digits: "1e3", "0x10", " 5" and "-1" are mistakes on a command line.
    fromText: (text) => (/^\d{1,15}$/.test(text) ? Number(text) : text),
    read(value, name) {
      if (!isWholeNumber(value) || value < bounds.min || value > bounds.max) {
        throw new OperationError(code, { detail: `${name} must be a whole number from ${bounds.min} to ${bounds.max}, got ${shownValue(value)}` });
      }
      return value;
    },
  };
}

/**
 * Reads an event's fields by their declarations. Fields the declaration does not name (such as
 * `userInfo`, which older clients inject, or `action`, which routing reads) are ignored, never trusted.
 * An optional field sent as "" counts as not given.
 */
export function parseFields<F extends Fields>(fields: F, event: Readonly<Record<string, unknown>>): ParamsOf<F> {
  const params: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) {
    const value = event[name];
    const absent = value === undefined || (field.presence === 'optional' && value === '');
    if (absent) {
      if (field.presence === 'required') {
        throw new OperationError(field.code, { detail: `${name} is required: ${field.help}` });
      }
      if (field.defaultValue !== undefined) params[name] = field.defaultValue;
      continue;
    }
    params[name] = field.read(value, name);
  }
  return params as ParamsOf<F>;
}

/** `pluginAppid` -> `--plugin-appid`: the command line's flag for a field. */
export function flagOf(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

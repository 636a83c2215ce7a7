/**
 * The one sanitiser for everything the tools print to a terminal. Text from other parties (an
 * applicant's nickname or reason, WeChat's errmsg, an argument pasted from elsewhere) can carry
 * characters that act on the terminal or on how a reader sees the line: C0 and C1 controls (ESC
 * sequences, U+009B CSI), bidirectional overrides and isolates (U+202A-202E, U+2066-2069, which
 * make a line read differently from what it holds), zero-width and other invisible format
 * characters (U+200B-200F, U+2060-2064, U+FEFF, tags). Each is shown as a visible escape
 * (`\u202e`), never passed through and never silently dropped, so a reader sees that it was there.
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]/gu;

const escaped = (char: string): string => {
  const code = char.codePointAt(0)!;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** One line of text, safe to print: every unsafe character (new lines included) shown as an escape. */
export function forTerminal(text: string): string {
  return text.replace(UNSAFE, escaped);
}

/**
 * JSON text, safe to print: JSON.stringify escapes C0 controls but passes C1, bidi and zero-width
 * characters through; these are escaped too (`\u202e`), which is still the same JSON value.
 */
export function jsonTextForTerminal(json: string): string {
  // Inside JSON text these characters can only occur in strings, where \uXXXX means the same;
  // the one exception is the new line that indentation puts between values.
  return json.replace(UNSAFE, (char) => {
    const code = char.codePointAt(0)!;
    if (char === '\n') return char;
    if (code <= 0xffff) return escaped(char);
    // JSON has no \u{...}: a character beyond the BMP is written as its surrogate pair.
    const offset = code - 0x10000;
    return `\\u${(0xd800 + (offset >> 10)).toString(16)}\\u${(0xdc00 + (offset & 0x3ff)).toString(16)}`;
  });
}

export function jsonForTerminal(value: unknown, indent?: number): string {
  return jsonTextForTerminal(JSON.stringify(value, null, indent));
}

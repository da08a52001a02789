// What may not reach a screen as it is, in text from outside the program (task output,
// an agent's stream, milestone files): terminal sequences, which drive the terminal, and
// control or direction-override characters, which fake lines or reorder what is shown.
// The CLI makes the characters visible (`printable`); the editor's views make them spaces.

// eslint-disable-next-line no-control-regex
const ESCAPE_SEQUENCES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** One character that must not be shown as it is (control, C1, bidirectional override, line separator). */
// eslint-disable-next-line no-control-regex
export const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const UNSAFE_RUN = new RegExp(`${UNSAFE_CHARACTER.source}+`, 'g');

/** A line of output without its terminal sequences (colours, cursor movement): the text it meant to show. */
export function withoutEscapes(line: string): string {
  return line.replace(ESCAPE_SEQUENCES, '');
}

/** Text as one plain line: terminal sequences dropped, the other unsafe characters made spaces. */
export function plainText(text: string): string {
  return withoutEscapes(text).replace(UNSAFE_RUN, ' ').trim();
}

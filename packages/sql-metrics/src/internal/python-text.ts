// Python's notions of whitespace, word characters and float literals, which differ from JavaScript's.

/** Characters for which Python's `str.isspace()` is true (JavaScript's `\s` differs: it has U+FEFF, lacks U+001C–U+001F and U+0085). */
export const pythonSpace =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** Python's Unicode `\w`. */
export const pythonWord = '\\p{L}\\p{N}_';

const spaceRun = new RegExp(`[${pythonSpace}]+`, 'u');

/** `str.split()` with no argument: split on runs of whitespace, drop empty ends. */
export function pythonSplit(text: string): string[] {
  return text.split(spaceRun).filter((part) => part.length > 0);
}

const spaceCharacter = new RegExp(`^[${pythonSpace}]$`, 'u');

/** `str.strip()` with no argument. */
export function pythonStrip(text: string): string {
  // Scanned from both ends: a regex `\s+$` would try every start inside a long inner run of spaces.
  let start = 0;
  let end = text.length;
  while (start < end && spaceCharacter.test(text[start] as string)) start += 1;
  while (end > start && spaceCharacter.test(text[end - 1] as string)) end -= 1;
  return text.slice(start, end);
}

const digitPart = '\\p{Nd}(?:_?\\p{Nd})*';
const floatLiteral = new RegExp(
  `^[${pythonSpace}]*[+-]?(?:(?:${digitPart}\\.(?:${digitPart})?|\\.${digitPart}|${digitPart})(?:[eE][+-]?${digitPart})?|inf|infinity|nan)[${pythonSpace}]*$`,
  'iu',
);

/** Python's `float(text)`: the number, or undefined where Python raises ValueError. */
export function pythonFloat(text: string): number | undefined {
  if (!floatLiteral.test(text)) return undefined;
  const plain = text.normalize('NFKC').replace(/_/g, '').trim().toLowerCase();
  const sign = plain.startsWith('-') ? -1 : 1;
  const body = plain.replace(/^[+-]/, '');
  if (body === 'inf' || body === 'infinity') return sign * Number.POSITIVE_INFINITY;
  if (body === 'nan') return Number.NaN;
  return sign * Number(body);
}

/** Python's `str(x)` of a float (repr: shortest round-trip digits, exponent from 1e16 and below 1e-4). */
export function pythonFloatString(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const exponential = value.toExponential();
  const [mantissa = '', exponentText = '0'] = exponential.split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  // Within this range JavaScript also writes the shortest digits positionally.
  const fixed = String(value);
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}

/**
 * Python's `'%.Nf' % value` (and `'{:.Nf}'`): the double's exact binary value rounded half to even. JavaScript's
 * toFixed also rounds the exact value, so the two differ only on exact ties, which toFixed rounds away from zero
 * (0.7875 is not one: its double lies below the half, and both give 0.787).
 */
export function pythonFixed(value: number, digits: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  const magnitude = Math.abs(value);
  const fraction = digits > 0 ? `.${'0'.repeat(digits)}` : '';
  // toFixed writes 1e21 and above in exponent form; every double that large is an integer.
  if (magnitude >= 1e21) return `${sign}${BigInt(magnitude)}${fraction}`;
  const text = magnitude.toFixed(digits);
  // An exact tie: magnitude × 10^digits ends in exactly .5, that is, magnitude × 2^(digits + 1) is an odd integer.
  const scaled = magnitude * 2 ** (digits + 1);
  const tie = Number.isInteger(scaled) && scaled % 2 === 1;
  const last = text.charCodeAt(text.length - 1) - 48;
  // toFixed took the upper neighbour; half to even takes the lower one when the upper is odd (never a borrow).
  return sign + (tie && last % 2 === 1 ? `${text.slice(0, -1)}${last - 1}` : text);
}

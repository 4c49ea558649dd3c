// The members of a top-level JSON object as Python's json.loads yields them: in the file's key order (JavaScript's
// JSON.parse puts integer-like keys first, in numeric order), a repeated key keeping its first place and its last
// value, and NaN/Infinity accepted as values. Only string values are decoded; the others are checked and skipped.

/** One member: its key, and its value when that is a string (undefined for any other JSON value). */
export interface PythonJsonMember {
  key: string;
  value: string | undefined;
}

/** Where the text stops being JSON, as Python's messages put it. */
export class PythonJsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} at character ${offset}`);
  }
}

// Python's recursion limit stops json.loads near this depth too; an explicit bound keeps a hostile file from
// overflowing our stack instead.
const maximumDepth = 1000;
const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const literals = ['true', 'false', 'null', 'NaN', 'Infinity', '-Infinity'];

class Scanner {
  position = 0;
  constructor(readonly text: string) {}

  fail(reason: string): never {
    throw new PythonJsonSyntaxError(reason, this.position);
  }

  skipSpace(): void {
    const { text } = this;
    while (this.position < text.length) {
      const code = text.charCodeAt(this.position);
      if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return;
      this.position += 1;
    }
  }

  string(): string {
    const start = this.position;
    const { text } = this;
    if (text[start] !== '"') this.fail('Expecting string');
    let index = start + 1;
    while (index < text.length) {
      const character = text[index];
      if (character === '"') break;
      index += character === '\\' ? 2 : 1;
    }
    if (index >= text.length) this.fail('Unterminated string starting');
    this.position = index + 1;
    try {
      return JSON.parse(text.slice(start, index + 1)) as string;
    } catch {
      this.position = start;
      return this.fail('Invalid string (control character or escape)');
    }
  }

  /** Skips any value; returns it when it is a string. */
  value(depth: number): string | undefined {
    if (depth > maximumDepth) this.fail('Nesting too deep');
    const { text } = this;
    const character = text[this.position];
    if (character === '"') return this.string();
    if (character === '{' || character === '[') {
      const close = character === '{' ? '}' : ']';
      this.position += 1;
      this.skipSpace();
      if (text[this.position] === close) {
        this.position += 1;
        return undefined;
      }
      for (;;) {
        if (close === '}') {
          this.string();
          this.skipSpace();
          if (text[this.position] !== ':') this.fail("Expecting ':' delimiter");
          this.position += 1;
          this.skipSpace();
        }
        this.value(depth + 1);
        this.skipSpace();
        const next = text[this.position];
        this.position += 1;
        if (next === close) return undefined;
        if (next !== ',') {
          this.position -= 1;
          this.fail("Expecting ',' delimiter");
        }
        this.skipSpace();
      }
    }
    for (const literal of literals)
      if (text.startsWith(literal, this.position)) {
        this.position += literal.length;
        return undefined;
      }
    numberPattern.lastIndex = this.position;
    if (!numberPattern.test(text)) this.fail('Expecting value');
    this.position = numberPattern.lastIndex;
    return undefined;
  }
}

/** The members of the JSON object that `text` holds, in Python's order; throws PythonJsonSyntaxError otherwise. */
export function pythonJsonObject(text: string): PythonJsonMember[] {
  const scanner = new Scanner(text);
  scanner.skipSpace();
  if (text[scanner.position] !== '{') scanner.fail("Expecting a JSON object ('{')");
  scanner.position += 1;
  const members: PythonJsonMember[] = [];
  const places = new Map<string, number>();
  scanner.skipSpace();
  if (text[scanner.position] === '}') scanner.position += 1;
  else
    for (;;) {
      if (text[scanner.position] !== '"') scanner.fail('Expecting property name enclosed in double quotes');
      const key = scanner.string();
      scanner.skipSpace();
      if (text[scanner.position] !== ':') scanner.fail("Expecting ':' delimiter");
      scanner.position += 1;
      scanner.skipSpace();
      const value = scanner.value(1);
      const place = places.get(key);
      if (place === undefined) {
        places.set(key, members.length);
        members.push({ key, value });
      } else members[place] = { key, value };
      scanner.skipSpace();
      const next = text[scanner.position];
      if (next === '}') {
        scanner.position += 1;
        break;
      }
      if (next !== ',') scanner.fail("Expecting ',' delimiter");
      scanner.position += 1;
      scanner.skipSpace();
    }
  scanner.skipSpace();
  if (scanner.position < text.length) scanner.fail('Extra data');
  return members;
}

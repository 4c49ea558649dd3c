import { alphabetStringBytes } from './byte-level.js';
import { patternRegExp } from './normalize-text.js';
import type { DecoderDefinition } from './pipeline-definition.js';

/** A decoder as HF's `decode_chain`: token strings in, strings out (joined by the caller). */
export type TokenDecoder = (tokens: string[]) => string[];

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** `<0xNN>` → NN, else -1. */
function fallbackByte(token: string): number {
  if (token.length !== 6 || !token.startsWith('<0x') || token[5] !== '>') return -1;
  const value = Number.parseInt(token.slice(3, 5), 16);
  return /^[0-9a-fA-F]{2}$/.test(token.slice(3, 5)) ? value : -1;
}

/** Whether the bytes are valid UTF-8 (Rust's `String::from_utf8` succeeds). */
function validUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function byteFallback(tokens: string[]): string[] {
  const out: string[] = [];
  let pending: number[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const bytes = Uint8Array.from(pending);
    // Invalid UTF-8 becomes one U+FFFD per byte, as in HF (not one per maximal subpart).
    if (validUtf8(bytes)) out.push(utf8Decoder.decode(bytes));
    else for (let index = 0; index < bytes.length; index++) out.push('\ufffd');
    pending = [];
  };
  for (const token of tokens) {
    const byte = fallbackByte(token);
    if (byte >= 0) pending.push(byte);
    else {
      flush();
      out.push(token);
    }
  }
  flush();
  return out;
}

function byteLevel(tokens: string[]): string[] {
  const parts = tokens.map((token) => alphabetStringBytes(token) ?? utf8.encode(token));
  const bytes = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return [utf8Decoder.decode(bytes)];
}

function strip(tokens: string[], content: string, start: number, stop: number): string[] {
  return tokens.map((token) => {
    const characters = Array.from(token);
    let from = 0;
    while (from < start && from < characters.length && characters[from] === content) from++;
    let to = characters.length;
    while (characters.length - to < stop && to > from && characters[to - 1] === content) to--;
    return characters.slice(from, to).join('');
  });
}

/** A decoder from its definition (`where` names it in errors). */
export function buildDecoder(definition: DecoderDefinition, where: string): TokenDecoder {
  switch (definition.type) {
    case 'ByteLevel':
      return byteLevel;
    case 'ByteFallback':
      return byteFallback;
    case 'Fuse':
      return (tokens) => [tokens.join('')];
    case 'Strip': {
      const { content, start, stop } = definition;
      return (tokens) => strip(tokens, content, start, stop);
    }
    case 'Replace': {
      const pattern = patternRegExp(definition.pattern, `${where}.pattern`);
      const { content } = definition;
      return (tokens) => tokens.map((token) => token.replace(pattern, () => content));
    }
    case 'Metaspace': {
      const { replacement, prependScheme } = definition;
      // HF drops every replacement character of the first token (not only a leading one) unless the scheme is `never`.
      return (tokens) =>
        tokens.map((token, index) =>
          token.replaceAll(replacement, index === 0 && prependScheme !== 'never' ? '' : ' '),
        );
    }
    case 'Sequence': {
      const steps = definition.decoders.map((step, index) => buildDecoder(step, `${where}.decoders[${index}]`));
      return (tokens) => steps.reduce((current, step) => step(current), tokens);
    }
  }
}

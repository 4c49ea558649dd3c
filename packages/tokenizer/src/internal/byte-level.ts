/**
 * GPT-2's `bytes_to_unicode`: bytes 0x21–0x7E, 0xA1–0xAC and 0xAE–0xFF stand for themselves; the other
 * 68 bytes map, in order, to U+0100… The alphabet only matters for reading and writing vocabularies.
 */
function buildByteToCharacter(): Uint16Array {
  const table = new Uint16Array(256);
  let next = 256;
  for (let byte = 0; byte < 256; byte++) {
    const printable =
      (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    table[byte] = printable ? byte : next++;
  }
  return table;
}

/** Byte → code point of its GPT-2 alphabet character. */
export const byteToCharacter: Uint16Array = buildByteToCharacter();

/** Code point of a GPT-2 alphabet character (all below U+0144) → byte, or -1. */
const characterToByte: Int16Array = (() => {
  const table = new Int16Array(0x144).fill(-1);
  byteToCharacter.forEach((character, byte) => {
    table[character] = byte;
  });
  return table;
})();

const utf8 = new TextEncoder();

/**
 * The bytes a vocabulary string stands for. Characters of the alphabet become their byte; any other
 * character becomes its own UTF-8 bytes, as the ByteLevel decoder does for added tokens.
 */
export function vocabularyStringToBytes(token: string): Uint8Array {
  const bytes = new Uint8Array(token.length * 3);
  let length = 0;
  for (let index = 0; index < token.length; index++) {
    const unit = token.charCodeAt(index);
    const byte = unit < characterToByte.length ? (characterToByte[unit] as number) : -1;
    if (byte >= 0) {
      bytes[length++] = byte;
    } else {
      // Outside the alphabet (a surrogate pair takes both units): the character's own UTF-8.
      const width = unit >= 0xd800 && unit <= 0xdbff && index + 1 < token.length ? 2 : 1;
      length += utf8.encodeInto(token.slice(index, index + width), bytes.subarray(length)).written;
      index += width - 1;
    }
  }
  return bytes.slice(0, length);
}

/** The vocabulary string of some bytes (each byte as its alphabet character). */
export function bytesToVocabularyString(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byteToCharacter[byte] ?? 0);
  return text;
}

/** The bytes of a string made only of alphabet characters, else undefined (HF's ByteLevel decoder then keeps the string's UTF-8). */
export function alphabetStringBytes(token: string): Uint8Array | undefined {
  const bytes = new Uint8Array(token.length);
  for (let index = 0; index < token.length; index++) {
    const unit = token.charCodeAt(index);
    const byte = unit < characterToByte.length ? (characterToByte[unit] as number) : -1;
    if (byte < 0) return undefined;
    bytes[index] = byte;
  }
  return bytes;
}

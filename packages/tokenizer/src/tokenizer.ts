import { TokenIdError } from './errors.js';
import type { AddedTokenDefinition, BpeDefinition } from './internal/bpe-definition.js';
import { bytesToVocabularyString, vocabularyStringToBytes } from './internal/byte-level.js';
import { BytePairEncoder, buildMergeTables, type MergeTables } from './internal/byte-pair-encoder.js';
import { characterClasses, whiteSpaceClass } from './internal/character-classes.js';
import { hashPiece, missingPiece, PieceTable } from './internal/piece-table.js';
import type { PipelineDefinition } from './internal/pipeline-definition.js';
import { TokenizerPipeline } from './internal/tokenizer-pipeline.js';
import { closeWorkers, encodeInWorkers } from './internal/worker-pool.js';
import { pieceEnd } from './pre-tokenize.js';

export interface EncodeOptions {
  /**
   * Add the special tokens the tokenizer file's post-processor adds (Llama-2: `<s>` before), as HF
   * `encode(text, add_special_tokens=True)` does; for Aquila's files and others of the GPT-2 shape, whose
   * post-processor adds nothing, the BOS id before and the EOS id after, as FlagAI's `encode_plus` does.
   * Default false.
   */
  addSpecialTokens?: boolean;
  /**
   * Map special-token strings in the text (`</s>`, `[CLS]`…) to their ids. Default true. Set false for
   * untrusted text: a user typing `</s>` then gets the ids of the characters, not the end of generation.
   */
  parseSpecialTokens?: boolean;
}

export interface EncodeBatchOptions extends EncodeOptions {
  /** Threads to spread a large batch over, this one and `threads - 1` workers; default: available parallelism (1 encodes in this thread only). */
  threads?: number;
  /** Stops the work; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface DecodeOptions {
  /** Leave out special tokens (BOS, EOS, pad…). Default false: they appear as their text. */
  skipSpecialTokens?: boolean;
}

/** Turns ids into text one at a time, for generation. */
export interface StreamingDecoder {
  /** Takes the next id; returns the text completed by it (empty while a UTF-8 character is still split). */
  push(id: number): string;
  /** Ends the stream: returns what is still held (bytes of an unfinished character become U+FFFD). */
  flush(): string;
}

/**
 * Pieces whose ids are kept (three quarters of a 2^19-slot table); the 10 MB corpus has 197,000 distinct
 * ones. Pieces that are one token go through the cache too: a table of all 100,000 tokens cost more to
 * build at load than the BPE of the few that a text holds.
 */
const pieceCacheLimit = 390_000;
/** The cache's stores of UTF-16 units and of ids (8 MB in all); when one is full the cache starts over. */
const cacheUnits = 1 << 21;
const cacheIds = 1 << 20;
const cachedPieceLength = 256;
/** Cache values from here up name a list in `#cacheIds` (its count, then its ids); below, one id. */
const listValue = 1 << 24;
const flagPresent = 1;
const flagSpecial = 2;

interface DecodeTable {
  offsets: Uint32Array;
  bytes: Uint8Array;
  flags: Uint8Array;
}

/**
 * A BPE tokenizer: byte-level (GPT-2 pre-tokenizer and byte alphabet: Aquila, on a fast path; or any
 * normalizer and pre-tokenizer sequence: Qwen2, Llama-3…) or SentencePiece-style (characters, byte
 * fallback: Llama-2, Mistral). Build one with `loadTokenizer` or `loadAquilaTokenizer`.
 */
export class Tokenizer {
  /** Number of ids, added tokens included (Aquila: 100,008). */
  readonly vocabSize: number;
  /** Beginning-of-sequence id (Aquila: 100006, `[CLS]`), if the tokenizer names one. */
  readonly bosTokenId: number | undefined;
  /** End-of-sequence id (Aquila: 100007, `</s>`). */
  readonly eosTokenId: number | undefined;
  /** Padding id (Aquila: 0, `<|endoftext|>`). */
  readonly padTokenId: number | undefined;
  /** Unknown-token id (Aquila: 0); byte-level BPE never produces it from text. */
  readonly unkTokenId: number | undefined;
  /**
   * The ids a generation prompt starts with: BOS where the model expects it (`add_bos_token` of
   * tokenizer_config.json, else what the post-processor puts before the text: Llama-2/Mistral `<s>`);
   * empty for Aquila, whose FlagAI prompt paths add their own.
   */
  readonly promptStartIds: readonly number[];

  readonly #definition: BpeDefinition;
  readonly #tables: MergeTables;
  readonly #encoder: BytePairEncoder;
  readonly #classes = characterClasses();
  readonly #cache = new PieceTable(pieceCacheLimit, cacheUnits);
  readonly #cacheIds = new Int32Array(cacheIds);
  #cacheIdsUsed = 0;
  #bytes = new Uint8Array(1024);
  /** Built on the first decode: encoding (and a worker thread) never needs it. */
  #decodeTable: DecodeTable | undefined;
  readonly #addedByContent = new Map<string, AddedTokenDefinition>();
  readonly #allMatcher: RegExp | undefined;
  readonly #plainMatcher: RegExp | undefined;
  #idsByName: Map<string, number> | undefined;
  readonly #names = new Map<number, string>();
  /** The general path (normalizer, pre-tokenizers, post-processor, decoder), for files beyond the GPT-2 shape. */
  readonly #pipeline: TokenizerPipeline | undefined;
  readonly #encodePieceText = (piece: string, out: number[]): void => this.#encodeCached(piece, 0, piece.length, out);
  #symbols: number[] = [];

  /** @internal Use `loadTokenizer` or `loadAquilaTokenizer`. `tables`: those of a tokenizer built from the same definition. */
  constructor(definition: BpeDefinition, tables: MergeTables = buildMergeTables(definition)) {
    this.#definition = definition;
    this.#tables = tables;
    this.#encoder = new BytePairEncoder(definition, tables);
    this.bosTokenId = definition.bosTokenId;
    this.eosTokenId = definition.eosTokenId;
    this.padTokenId = definition.padTokenId;
    this.unkTokenId = definition.unkTokenId;
    let size = definition.modelVocabSize;
    for (const token of definition.addedTokens) {
      size = Math.max(size, token.id + 1);
      this.#addedByContent.set(token.content, token);
      if (token.alias !== true && !this.#names.has(token.id)) this.#names.set(token.id, token.content);
    }
    this.vocabSize = size;
    this.#allMatcher = buildMatcher(definition.addedTokens);
    this.#plainMatcher = buildMatcher(definition.addedTokens.filter((token) => !token.special));
    this.#pipeline =
      definition.pipeline === undefined
        ? undefined
        : new TokenizerPipeline(definition.pipeline, definition.addedTokens, 'tokenizer.json');
    this.promptStartIds = definition.pipeline?.promptPrefix ?? [];
  }

  /** Decoding table: model token bytes, then added tokens' text, then overrides (FlagAI's names). */
  #decoding(): DecodeTable {
    if (this.#decodeTable !== undefined) return this.#decodeTable;
    const definition = this.#definition;
    const size = this.vocabSize;
    const overrides = new Map<number, Uint8Array | null>();
    for (const token of definition.addedTokens)
      if (token.alias !== true) overrides.set(token.id, vocabularyStringToBytes(token.content));
    for (const [id, text] of definition.decodeOverrides)
      overrides.set(id, text === null ? null : vocabularyStringToBytes(text));
    let total = definition.tokenBytes.length;
    for (const bytes of overrides.values()) total += bytes?.length ?? 0;
    const table: DecodeTable = {
      offsets: new Uint32Array(size + 1),
      bytes: new Uint8Array(total),
      flags: new Uint8Array(size),
    };
    const specialIds = new Set(definition.addedTokens.filter((token) => token.special).map((token) => token.id));
    let offset = 0;
    for (let id = 0; id < size; id++) {
      table.offsets[id] = offset;
      const override = overrides.get(id);
      let flags = specialIds.has(id) ? flagSpecial : 0;
      if (override !== undefined) {
        if (override !== null) {
          table.bytes.set(override, offset);
          offset += override.length;
          flags |= flagPresent;
        }
      } else if (id < definition.modelVocabSize && definition.tokenPresent[id] === 1) {
        const start = definition.tokenOffsets[id] ?? 0;
        const end = definition.tokenOffsets[id + 1] ?? 0;
        table.bytes.set(definition.tokenBytes.subarray(start, end), offset);
        offset += end - start;
        flags |= flagPresent;
      }
      table.flags[id] = flags;
    }
    table.offsets[size] = offset;
    this.#decodeTable = table;
    return table;
  }

  /** @internal The shared tables, for worker threads. */
  get tables(): MergeTables {
    return this.#tables;
  }

  /** @internal The plain-data form, for worker threads. */
  get definition(): BpeDefinition {
    return this.#definition;
  }

  /** The ids of `text`. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    if (this.#pipeline !== undefined) return this.#pipeline.encode(text, options, this.#encodePieceText);
    const out: number[] = [];
    if (options.addSpecialTokens === true && this.bosTokenId !== undefined) out.push(this.bosTokenId);
    const matcher = options.parseSpecialTokens === false ? this.#plainMatcher : this.#allMatcher;
    if (matcher === undefined) this.#encodeSegment(text, 0, text.length, out);
    else this.#encodeWithAddedTokens(text, matcher, out);
    if (options.addSpecialTokens === true && this.eosTokenId !== undefined) out.push(this.eosTokenId);
    return out;
  }

  /** The ids of each text, spread over worker threads for large batches. */
  async encodeBatch(texts: string[], options: EncodeBatchOptions = {}): Promise<number[][]> {
    return encodeInWorkers(this, texts, options);
  }

  /** Ends the worker threads `encodeBatch` started (they also end with the process). */
  async close(): Promise<void> {
    await closeWorkers(this);
  }

  /** The text of `ids`; invalid UTF-8 (a character cut in half) becomes U+FFFD, as in the reference. */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const skip = options.skipSpecialTokens === true;
    if (this.#pipeline !== undefined) return this.#pipeline.decode(this.#tokenStrings(ids, skip));
    const table = this.#decoding();
    let length = 0;
    for (let index = 0; index < ids.length; index++) {
      const id = this.#checkedId(ids[index], index);
      if (skip && (table.flags[id] as number) & flagSpecial) continue;
      length += (table.offsets[id + 1] as number) - (table.offsets[id] as number);
    }
    const bytes = new Uint8Array(length);
    let offset = 0;
    for (let index = 0; index < ids.length; index++) {
      const id = ids[index] as number;
      if (skip && (table.flags[id] as number) & flagSpecial) continue;
      const start = table.offsets[id] as number;
      const end = table.offsets[id + 1] as number;
      bytes.set(table.bytes.subarray(start, end), offset);
      offset += end - start;
    }
    return utf8Decoder.decode(bytes);
  }

  /** A decoder for generation: text comes out once whole characters are formed; its pieces join to `decode(ids)`. */
  createStreamingDecoder(options: DecodeOptions = {}): StreamingDecoder {
    if (this.#pipeline !== undefined) return this.#windowDecoder(options);
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    const skip = options.skipSpecialTokens === true;
    const table = this.#decoding();
    let count = 0;
    return {
      push: (id) => {
        const checked = this.#checkedId(id, count++);
        if (skip && (table.flags[checked] as number) & flagSpecial) return '';
        const bytes = table.bytes.subarray(table.offsets[checked], table.offsets[checked + 1]);
        return decoder.decode(bytes, { stream: true });
      },
      flush: () => decoder.decode(),
    };
  }

  /** The id of a token, by its vocabulary spelling (`Ġthe`, `</s>`), or undefined. */
  tokenToId(token: string): number | undefined {
    const added = this.#addedByContent.get(token);
    if (added !== undefined) return added.id;
    return this.#modelIds().get(token);
  }

  /** Model vocabulary string → id, built on first use. */
  #modelIds(): Map<string, number> {
    if (this.#idsByName === undefined) {
      const ids = new Map<string, number>();
      const definition = this.#definition;
      for (let id = 0; id < definition.modelVocabSize; id++)
        if (definition.tokenPresent[id] === 1) ids.set(this.#modelToken(id), id);
      this.#idsByName = ids;
    }
    return this.#idsByName;
  }

  /** The vocabulary spelling of an id (`Ġthe`, `</s>`), or undefined. */
  idToToken(id: number): string | undefined {
    const name = this.#names.get(id);
    if (name !== undefined) return name;
    const definition = this.#definition;
    if (!Number.isInteger(id) || id < 0 || id >= definition.modelVocabSize || definition.tokenPresent[id] !== 1)
      return undefined;
    return this.#modelToken(id);
  }

  /** The vocabulary string of a model id: GPT-2's byte alphabet, or the text itself (SentencePiece style). */
  #modelToken(id: number): string {
    const definition = this.#definition;
    const bytes = definition.tokenBytes.subarray(definition.tokenOffsets[id], definition.tokenOffsets[id + 1]);
    return definition.pipeline?.byteLevel === false ? utf8Decoder.decode(bytes) : bytesToVocabularyString(bytes);
  }

  /** The token strings of `ids` as HF's decoders receive them (added tokens' content; unknown gaps left out). */
  #tokenStrings(ids: ArrayLike<number>, skipSpecial: boolean): string[] {
    const tokens: string[] = [];
    for (let index = 0; index < ids.length; index++) {
      const id = this.#checkedId(ids[index], index);
      const added = this.#names.get(id);
      if (added !== undefined) {
        if (!(skipSpecial && this.#specialIds().has(id))) tokens.push(added);
      } else if (id < this.#definition.modelVocabSize && this.#definition.tokenPresent[id] === 1)
        tokens.push(this.#modelToken(id));
    }
    return tokens;
  }

  #specialIdSet: Set<number> | undefined;

  #specialIds(): Set<number> {
    this.#specialIdSet ??= new Set(
      this.#definition.addedTokens.filter((token) => token.special).map((token) => token.id),
    );
    return this.#specialIdSet;
  }

  /**
   * Streaming for the general path, as HF's `DecodeStream`: the ids since the last text plus one before
   * (decoders such as Strip or Metaspace treat a first token differently), text out once it does not end
   * in U+FFFD.
   */
  #windowDecoder(options: DecodeOptions): StreamingDecoder {
    const skip = options.skipSpecialTokens === true;
    let window: number[] = [];
    let prefix = '';
    let prefixIndex = 0;
    let count = 0;
    return {
      push: (id) => {
        window.push(this.#checkedId(id, count++));
        const text = this.decode(window, { skipSpecialTokens: skip });
        if (text.length <= prefix.length || text.endsWith('\ufffd') || !text.startsWith(prefix)) return '';
        const added = text.slice(prefix.length);
        const nextIndex = window.length - prefixIndex;
        window = window.slice(prefixIndex);
        prefix = this.decode(window, { skipSpecialTokens: skip });
        prefixIndex = nextIndex;
        return added;
      },
      flush: () => {
        const text = this.decode(window, { skipSpecialTokens: skip });
        const rest = text.startsWith(prefix) ? text.slice(prefix.length) : '';
        window = [];
        prefix = '';
        prefixIndex = 0;
        return rest;
      },
    };
  }

  #checkedId(id: number | undefined, index: number): number {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new TokenIdError(
        `Token id ${String(id)} at index ${index} is not an id of this tokenizer (integers 0 to ${this.vocabSize - 1}).`,
      );
    }
    return id;
  }

  #encodeWithAddedTokens(text: string, matcher: RegExp, out: number[]): void {
    matcher.lastIndex = 0;
    let segmentStart = 0;
    let stripLeading = false;
    for (let match = matcher.exec(text); match !== null; match = matcher.exec(text)) {
      const token = this.#addedByContent.get(match[0]) as AddedTokenDefinition;
      let segmentEnd = match.index;
      let start = segmentStart;
      if (stripLeading) while (start < segmentEnd && this.#isStripSpace(text.charCodeAt(start))) start++;
      if (token.lstrip) while (segmentEnd > start && this.#isStripSpace(text.charCodeAt(segmentEnd - 1))) segmentEnd--;
      this.#encodeSegment(text, start, segmentEnd, out);
      out.push(token.id);
      segmentStart = match.index + match[0].length;
      stripLeading = token.rstrip;
    }
    let start = segmentStart;
    if (stripLeading) while (start < text.length && this.#isStripSpace(text.charCodeAt(start))) start++;
    this.#encodeSegment(text, start, text.length, out);
  }

  #isStripSpace(unit: number): boolean {
    // Python's str.isspace adds the separators U+001C–U+001F to White_Space.
    return (
      this.#classes[unit] === whiteSpaceClass ||
      (this.#definition.stripWhiteSpace === 'python' && unit >= 0x1c && unit <= 0x1f)
    );
  }

  #encodeSegment(text: string, start: number, end: number, out: number[]): void {
    if (start >= end) return;
    if (this.#definition.addPrefixSpace && text.charCodeAt(start) !== 0x20) {
      const prefixed = ` ${text.slice(start, end)}`;
      this.#encodeOrdinary(prefixed, 0, prefixed.length, out);
    } else {
      this.#encodeOrdinary(text, start, end, out);
    }
  }

  #encodeOrdinary(text: string, start: number, end: number, out: number[]): void {
    const classes = this.#classes;
    for (let position = start; position < end; ) {
      const next = pieceEnd(text, position, end, classes);
      this.#encodeCached(text, position, next, out);
      position = next;
    }
  }

  /** Appends the ids of the piece `text[start .. end)`, from the cache where it has them. */
  #encodeCached(text: string, start: number, end: number, out: number[]): void {
    const hash = hashPiece(text, start, end);
    const value = this.#cache.get(text, start, end, hash);
    if (value === missingPiece) {
      this.#encodeNewPiece(text, start, end, hash, out);
    } else if (value < listValue) {
      out.push(value);
    } else {
      const cached = this.#cacheIds;
      const at = value - listValue;
      const stop = at + (cached[at] as number);
      for (let index = at + 1; index <= stop; index++) out.push(cached[index] as number);
    }
  }

  /** Appends the ids of a piece not in the cache, and caches them (starting the cache over when full). */
  #encodeNewPiece(text: string, start: number, end: number, hash: number, out: number[]): void {
    const first = out.length;
    this.#encodePiece(text, start, end, out);
    if (end - start > cachedPieceLength) return;
    const count = out.length - first;
    let value = out[first] as number;
    if (count > 1) {
      if (this.#cacheIdsUsed + count + 1 > this.#cacheIds.length) this.#clearCache();
      const at = this.#cacheIdsUsed;
      this.#cacheIds[at] = count;
      for (let index = 0; index < count; index++) this.#cacheIds[at + 1 + index] = out[first + index] as number;
      this.#cacheIdsUsed = at + 1 + count;
      value = listValue + at;
    }
    // Bounded: a full cache starts over rather than growing with every distinct piece of a huge corpus.
    if (!this.#cache.set(text, start, end, hash, value)) {
      this.#clearCache();
      if (count > 1) return;
      this.#cache.set(text, start, end, hash, value);
    }
  }

  #clearCache(): void {
    this.#cache.clear();
    this.#cacheIdsUsed = 0;
  }

  /** BPE from the piece's characters where the vocabulary allows, else from its UTF-8 (a lone surrogate becomes U+FFFD, as in HF). */
  #encodePiece(text: string, start: number, end: number, out: number[]): void {
    const pipeline = this.#definition.pipeline;
    if (pipeline !== undefined) {
      if (pipeline.ignoreMerges && this.#encodeWholeToken(text, start, end, out)) return;
      if (!pipeline.byteLevel) {
        this.#encodeCharacters(pipeline, text, start, end, out);
        return;
      }
    }
    if (this.#encoder.encodeText(text, start, end, out)) return;
    if (this.#bytes.length < (end - start) * 3) this.#bytes = new Uint8Array((end - start) * 3 * 2);
    const bytes = this.#bytes;
    let length = 0;
    for (let index = start; index < end; index++) {
      let code = text.charCodeAt(index);
      if (code < 0x80) {
        bytes[length++] = code;
        continue;
      }
      if (code < 0x800) {
        bytes[length++] = 0xc0 | (code >> 6);
        bytes[length++] = 0x80 | (code & 0x3f);
        continue;
      }
      if (code >= 0xd800 && code <= 0xdfff) {
        const low = index + 1 < end ? text.charCodeAt(index + 1) : 0;
        if (code <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
          code = ((code - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
          index++;
          bytes[length++] = 0xf0 | (code >> 18);
          bytes[length++] = 0x80 | ((code >> 12) & 0x3f);
          bytes[length++] = 0x80 | ((code >> 6) & 0x3f);
          bytes[length++] = 0x80 | (code & 0x3f);
          continue;
        }
        code = 0xfffd;
      }
      bytes[length++] = 0xe0 | (code >> 12);
      bytes[length++] = 0x80 | ((code >> 6) & 0x3f);
      bytes[length++] = 0x80 | (code & 0x3f);
    }
    this.#encoder.encode(bytes, length, out);
  }

  /** HF's `ignore_merges`: a piece that is a vocabulary token is that token. */
  #encodeWholeToken(text: string, start: number, end: number, out: number[]): boolean {
    const piece = text.slice(start, end);
    const spelling =
      this.#definition.pipeline?.byteLevel === false ? piece : bytesToVocabularyString(utf8Encoder.encode(piece));
    const id = this.#modelIds().get(spelling);
    if (id === undefined) return false;
    out.push(id);
    return true;
  }

  /**
   * SentencePiece-style BPE as HF's `merge_word`: each character's id, else its bytes' `<0xNN>` ids (byte
   * fallback), else the unknown token (runs of them fused with `fuse_unk`); then merges by rank.
   */
  #encodeCharacters(pipeline: PipelineDefinition, text: string, start: number, end: number, out: number[]): void {
    const ids = this.#modelIds();
    const symbols = this.#symbols;
    let count = 0;
    let unknown = false;
    const fallback = pipeline.byteFallbackIds;
    for (let index = start; index < end; ) {
      const width = (text.codePointAt(index) as number) > 0xffff ? 2 : 1;
      const character = text.slice(index, index + width);
      index += width;
      const id = ids.get(character);
      if (id !== undefined) {
        if (unknown) symbols[count++] = pipeline.unkTokenId as number;
        unknown = false;
        symbols[count++] = id;
        continue;
      }
      if (fallback !== undefined) {
        const bytes = utf8Encoder.encode(character);
        if (bytes.every((byte) => (fallback[byte] as number) >= 0)) {
          // As HF: a pending unknown token stays pending past the bytes.
          for (const byte of bytes) symbols[count++] = fallback[byte] as number;
          continue;
        }
      }
      if (pipeline.unkTokenId === undefined) continue;
      if (unknown && !pipeline.fuseUnk) symbols[count++] = pipeline.unkTokenId;
      unknown = true;
    }
    if (unknown) symbols[count++] = pipeline.unkTokenId as number;
    this.#encoder.encodeSymbols(symbols, count, out);
  }
}

const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** One regex over all added-token strings, longest first, so a match is leftmost-longest as in HF's and FlagAI's tries. */
function buildMatcher(tokens: AddedTokenDefinition[]): RegExp | undefined {
  if (tokens.length === 0) return undefined;
  const contents = [...new Set(tokens.map((token) => token.content))].sort((a, b) => b.length - a.length);
  return new RegExp(contents.map((content) => content.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')).join('|'), 'gu');
}

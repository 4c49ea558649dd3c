import type { TokenDeltaEvent } from '@aquila/runtime';
import type { Tokenizer } from '@aquila/tokenizer';

/** One generated token's log probability and its most likely alternatives, with where its text starts. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  top: { token: string; logprob: number }[];
  offset: number;
}

export function tokenLogprob(tokenizer: Tokenizer, event: TokenDeltaEvent, offset: number): TokenLogprob {
  const text = (id: number): string => tokenizer.decode([id], { skipSpecialTokens: false });
  return {
    token: text(event.tokenId),
    logprob: event.logprob ?? 0,
    top: (event.topLogprobs ?? []).map((entry) => ({ token: text(entry.tokenId), logprob: entry.logprob })),
    offset,
  };
}

/** The legacy completions shape: parallel lists, alternatives as `{token: logprob}`. */
export function completionLogprobs(items: readonly TokenLogprob[]): Record<string, unknown> {
  return {
    tokens: items.map((item) => item.token),
    token_logprobs: items.map((item) => item.logprob),
    top_logprobs: items.map((item) => Object.fromEntries(item.top.map((entry) => [entry.token, entry.logprob]))),
    text_offset: items.map((item) => item.offset),
  };
}

// A token that ends inside a UTF-8 character decodes to U+FFFD: its bytes are unknown here.
const bytes = (token: string): number[] | null => (token.includes('\uFFFD') ? null : [...Buffer.from(token, 'utf8')]);

/** The chat shape: one entry per token with its bytes and alternatives. */
export function chatLogprobs(items: readonly TokenLogprob[]): Record<string, unknown> {
  return {
    content: items.map((item) => ({
      token: item.token,
      logprob: item.logprob,
      bytes: bytes(item.token),
      top_logprobs: item.top.map((entry) => ({ ...entry, bytes: bytes(entry.token) })),
    })),
  };
}

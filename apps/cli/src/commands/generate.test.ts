import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ScriptedModel, writeScriptedModel } from '@aquila/runtime/testing';
import { fixturePath } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../test-support/run-built-cli.js';

// Two scripted models: an Aquila one (FlagAI's chat format) and one whose checkpoint carried Llama-2-chat's
// tokenizer_config.json, which the conversion keeps.
const flagaiAnswer = { after: '###Assistant:', output: ' SELECT count(*) FROM singer### counted' };
const llamaAnswer = { after: ' [/INST]', output: ' SELECT count(*) FROM singer; ### counted' };
let aquila: ScriptedModel;
let llama: ScriptedModel;
beforeAll(async () => {
  const tokenizerConfig = JSON.parse(
    await readFile(fixturePath('chat-templates', 'llama-2-chat', 'tokenizer_config.json'), 'utf8'),
  );
  [aquila, llama] = await Promise.all([
    writeScriptedModel({ scripts: [flagaiAnswer] }),
    writeScriptedModel({ scripts: [llamaAnswer], tokenizerConfig }),
  ]);
});
afterAll(async () => {
  await aquila?.remove();
  await llama?.remove();
});

describe('aquila generate --chat', () => {
  it("renders an Aquila model's prompt in FlagAI's chat format and stops at its ###", async () => {
    const result = await runBuiltCli({
      args: ['generate', '--model', aquila.path, '--chat', '--prompt', 'How many singers do we have?'],
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(' SELECT count(*) FROM singer\n');
  });

  it("renders through the model's own chat template, with --system and for each line of --input", async () => {
    const single = await runBuiltCli({
      args: [
        'generate',
        '--model',
        llama.path,
        '--chat',
        '--system',
        'You write SQLite queries.',
        '--prompt',
        'How many singers do we have?',
      ],
    });
    expect(single.status, single.stderr).toBe(0);
    // The template's turns end with the model's EOS: FlagAI's "###" is text here.
    expect(single.stdout).toBe(`${llamaAnswer.output}\n`);
    const input = join(llama.path, '..', 'questions.jsonl');
    await writeFile(input, `${JSON.stringify({ prompt: 'How many singers do we have?' })}\n`);
    const batch = await runBuiltCli({ args: ['generate', '--model', llama.path, '--chat', '--input', input] });
    expect(batch.status, batch.stderr).toBe(0);
    expect(JSON.parse(batch.stdout)).toMatchObject({ text: llamaAnswer.output, finish_reason: 'stop' });
  });

  it('refuses --chat with --preset or --prompt-ids, and --system without --chat', async () => {
    const cases = [
      [['--chat', '--preset', 'flagai', '--prompt', 'q'], 'give --chat or --preset flagai, not both'],
      [['--chat', '--prompt-ids', '1,2'], '--chat renders text prompts; give --prompt or --input'],
      [['--system', 'be brief', '--prompt', 'q'], '--system is the system message of --chat; add --chat.'],
    ] as const;
    for (const [args, message] of cases) {
      const result = await runBuiltCli({ args: ['generate', '--model', aquila.path, ...args] });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(message);
    }
  });
});

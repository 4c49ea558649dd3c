import { describe, expect, it } from 'vitest';
import * as prompts from './index.js';

describe('@aquila/prompts public surface', () => {
  it('exports exactly the documented API', () => {
    expect(Object.keys(prompts).sort()).toMatchInlineSnapshot(`
      [
        "ChatTemplateParseError",
        "ChatTemplateRenderError",
        "MissingSpecialTokenError",
        "aquilaSpecialTokenIds",
        "buildAquilaSqlAnswer",
        "buildAquilaSqlPrompt",
        "chatTemplateFromTokenizerConfig",
        "flagaiChatPromptIds",
        "flagaiChatTemplate",
        "flagaiPromptIds",
        "flagaiSampling",
        "flagaiStopRules",
        "flagaiSystemPrompt",
        "parseCreateTables",
        "readChatTemplate",
        "tokenizeAquilaConversation",
      ]
    `);
  });

  it('builds the one-table prompt of a CREATE TABLE schema', () => {
    expect(
      prompts.buildAquilaSqlPrompt({
        question: 'How many heads are older than 56?',
        schema: 'CREATE TABLE head (age INTEGER)',
      }),
    ).toBe(
      '有多个数据库表，信息如下：\n表名为head，包含的属性为head.age，它们之间的关系为\n请为下面的问题编写sql查询语句：\nHow many heads are older than 56? ',
    );
  });
});

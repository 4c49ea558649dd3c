import { describe, expect, it } from 'vitest';
import { parseBirdQuestions } from './questions-file.js';

describe('parseBirdQuestions', () => {
  const questions = [
    { question_id: 1, db_id: 'superhero', difficulty: 'simple' },
    { question_id: '2', db_id: 'financial', difficulty: 'challenging' },
  ];
  const read = [
    { questionId: 1, dbId: 'superhero', difficulty: 'simple' },
    { questionId: '2', dbId: 'financial', difficulty: 'challenging' },
  ];

  it('reads a JSON array (DAMO-ConvAI) and JSON Lines (mini_dev) alike', () => {
    expect(parseBirdQuestions(JSON.stringify(questions, null, 2))).toEqual(read);
    expect(parseBirdQuestions(`${questions.map((question) => JSON.stringify(question)).join('\n')}\n`)).toEqual(read);
    expect(parseBirdQuestions('{"question_id": 3}')).toEqual([
      { questionId: 3, dbId: undefined, difficulty: undefined },
    ]);
  });

  it('names the place of what it cannot read', () => {
    expect(() => parseBirdQuestions('{"difficulty": "simple"}\n{"difficulty": ', 'q.jsonl')).toThrow(
      /^q\.jsonl:2: not a JSON line/,
    );
    expect(() => parseBirdQuestions('[1]', 'q.json')).toThrow(/^q\.json: question 0: expected a question object/);
    expect(() => parseBirdQuestions('[{"a": 1},', 'q.json')).toThrow(/^q\.json is not valid JSON/);
  });
});

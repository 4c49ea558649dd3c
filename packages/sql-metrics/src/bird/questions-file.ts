import { EvaluationInputError } from '../errors.js';

/** What a BIRD question file says about one question that the evaluation reads. */
export interface BirdQuestion {
  questionId: number | string | undefined;
  dbId: string | undefined;
  /** 'simple', 'moderate' or 'challenging' count in their column; anything else only in the total. */
  difficulty: string | undefined;
}

function question(value: unknown, where: string): BirdQuestion {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new EvaluationInputError(
      `${where}: expected a question object, found ${JSON.stringify(value)?.slice(0, 40)}`,
    );
  const record = value as Record<string, unknown>;
  const field = <T>(name: string, test: (value: unknown) => value is T): T | undefined =>
    test(record[name]) ? (record[name] as T) : undefined;
  const isString = (value: unknown): value is string => typeof value === 'string';
  return {
    questionId: field('question_id', (value): value is number | string => isString(value) || typeof value === 'number'),
    dbId: field('db_id', isString),
    difficulty: field('difficulty', isString),
  };
}

/**
 * BIRD's question file, as a JSON array (mini_dev_sqlite.json, read by DAMO-ConvAI's script) or as JSON Lines (what
 * mini_dev's scripts read); questions by position. Throws EvaluationInputError naming the place of a bad one.
 */
export function parseBirdQuestions(text: string, path = 'the questions file'): BirdQuestion[] {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      throw new EvaluationInputError(
        `${path} is not valid JSON (${(error as Error).message}); give BIRD's question file`,
        {
          cause: error,
        },
      );
    }
    return (parsed as unknown[]).map((value, index) => question(value, `${path}: question ${index}`));
  }
  return body.split(/\r?\n/).flatMap((line, index) => {
    if (line.trim() === '') return [];
    try {
      return [question(JSON.parse(line), `${path}:${index + 1}`)];
    } catch (error) {
      if (error instanceof EvaluationInputError) throw error;
      throw new EvaluationInputError(
        `${path}:${index + 1}: not a JSON line (${(error as Error).message}); give a JSON array or one question object a line`,
        { cause: error },
      );
    }
  });
}

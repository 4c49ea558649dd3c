import { InvalidArgumentError } from 'commander';
import * as v from 'valibot';

/**
 * A commander option parser from a schema of the flag's text: the first issue's message is the usage error
 * (`option '--top-p <p>' argument '2' is invalid. not a valid top-p.`, exit 2). It checks with valibot itself,
 * not @aquila/errors' parseWithSchema: building the program loads no @aquila package (program.test.ts).
 */
export const flagParser =
  <Schema extends v.GenericSchema<string, unknown>>(schema: Schema) =>
  (value: string): v.InferOutput<Schema> => {
    const result = v.safeParse(schema, value);
    if (!result.success) throw new InvalidArgumentError(result.issues[0].message);
    return result.output;
  };

/** The finite number a flag's text spells, as `Number` reads it (`1e3`, ` 5 `); blank text is none. */
const numberText = v.pipe(
  v.string(),
  v.check((text) => text.trim() !== ''),
  v.transform(Number),
  v.finite(),
);

/** A number flag that keeps `checks`, else `message` (`use a number > 0.`). */
export const numberFlag = (message: string, ...checks: v.PipeItem<number, number, v.BaseIssue<unknown>>[]) =>
  flagParser(v.message(v.pipe(numberText, ...checks), message));

/** One of `choices`, else `message` (`use fp32, int8 or int4.`). */
export const choiceFlag = <const Choices extends readonly string[]>(choices: Choices, message: string) =>
  flagParser(v.picklist(choices, message));

import { buildAquilaSqlPrompt, type ChatTemplate } from '@aquila/prompts';
import { birdPrompt } from './bird-prompt.js';
import { TextToSqlOptionsError } from './errors.js';

/** What a prompt needs of a database: a {@link SqlDatabase}, or a schema from tables.json. */
export interface PromptSchema {
  name: string;
  tables: readonly { name: string; columns: readonly { name: string; type?: string }[] }[];
  /** Foreign keys as `a.x = b.y`. */
  relations: readonly string[];
  /**
   * The database's own CREATE TABLE statements as BIRD's prompts show them (from `readBirdSchemas`); the `bird`
   * template needs them, and `{ddl}` uses them when they are there.
   */
  databaseDdl?: string;
}

/**
 * `spider`: FlagAI's AquilaSQL Spider/CSpider prompt (the default); `wikisql`: its one-table WikiSQL prompt;
 * `bird`: BIRD mini_dev's SQLite prompt (the database's CREATE statements, the question and its evidence);
 * `{ text }`: a custom template with the placeholders `{question}`, `{database}`, `{schema}` (one line per table:
 * `name(column type, …)`), `{ddl}` (CREATE TABLE statements), `{relations}` and `{evidence}` (BIRD's).
 */
export type SqlPromptTemplate = 'spider' | 'wikisql' | 'bird' | { text: string };

export interface BuildSqlPromptOptions {
  question: string;
  schema: PromptSchema;
  /** BIRD's evidence ("external knowledge") for the question. */
  evidence?: string;
  template?: SqlPromptTemplate;
  /**
   * A chat model's template ({@link resolvePromptFormat}): the prompt goes to it as the user's message, and the
   * result is the rendered chat, ending with the assistant's turn.
   */
  chatTemplate?: ChatTemplate;
}

const placeholders = /\{(question|database|schema|ddl|relations|evidence)\}/g;

const quote = (name: string): string =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;

/** Checks a custom template's text: it must ask the question. */
export function customTemplate(text: string, where = 'the template'): SqlPromptTemplate {
  if (!text.includes('{question}'))
    throw new TextToSqlOptionsError(
      `${where} has no {question} placeholder; add it where the question goes (also available: {database}, {schema}, {ddl}, {relations}, {evidence}).`,
    );
  return { text };
}

/** The prompt for one question, built from the database's real schema; through the chat template when there is one. */
export function buildSqlPrompt(options: BuildSqlPromptOptions): string {
  const prompt = promptText(options);
  return options.chatTemplate === undefined
    ? prompt
    : options.chatTemplate.render([{ role: 'user', content: prompt }], { addGenerationPrompt: true });
}

function promptText(options: BuildSqlPromptOptions): string {
  const { question, schema } = options;
  if (question.trim() === '')
    throw new TextToSqlOptionsError('the question is empty; ask something about the database.');
  const template = options.template ?? 'spider';
  if (template === 'bird') {
    if (schema.databaseDdl === undefined)
      throw new TextToSqlOptionsError(
        `the bird template shows the database's own CREATE statements; read them with readBirdSchemas for "${schema.name}".`,
      );
    return birdPrompt({ question, evidence: options.evidence, schema: schema.databaseDdl });
  }
  if (typeof template === 'string') {
    return buildAquilaSqlPrompt({
      question,
      schema: schema.tables.map((table) => ({
        name: table.name,
        columns: table.columns.map((column) => ({ name: column.name, type: column.type })),
      })),
      relations: schema.relations,
      template,
    });
  }
  customTemplate(template.text);
  const values: Record<string, () => string> = {
    question: () => question,
    database: () => schema.name,
    schema: () =>
      schema.tables
        .map(
          (table) =>
            `${table.name}(${table.columns.map((column) => (column.type ? `${column.name} ${column.type}` : column.name)).join(', ')})`,
        )
        .join('\n'),
    ddl: () =>
      schema.databaseDdl ??
      schema.tables
        .map(
          (table) =>
            `CREATE TABLE ${quote(table.name)} (${table.columns.map((column) => `${quote(column.name)}${column.type ? ` ${column.type}` : ''}`).join(', ')});`,
        )
        .join('\n'),
    relations: () => schema.relations.join(' , '),
    evidence: () => options.evidence ?? '',
  };
  // One pass: text that a placeholder brings in (a question holding "{ddl}") is not substituted again.
  return template.text.replace(placeholders, (_, name: string) => (values[name] as () => string)());
}

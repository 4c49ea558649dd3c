import type { Script } from '@aquila/runtime/testing';

/** What the scripted model says in the server tests, the CLI test and the load benchmark. */
export const serverScripts = {
  /** The AquilaSQL Spider prompt ends with the question and a space. */
  sql: { after: 'How many singers do we have? ', output: 'SELECT count(*) FROM singer' },
  /** Through a `{question}` template: a write hidden behind WITH, which only the read-only connection can refuse. */
  write: { after: 'Drop the stadiums', output: 'with doomed as (select 1) delete from stadium' },
  greeting: { after: 'Greet', output: ' Hello world, hello sql.' },
  /** FlagAI's chat template ends with `###Assistant:`. */
  chat: { after: '###Assistant:', output: ' Hello world, hello sql.' },
  loop: { after: 'Count forever', output: ' tick tock', loop: true },
} as const satisfies Record<string, Script>;

import { pythonSpace, pythonSplit, pythonWord } from './python-text.js';

// NLTK's `word_tokenize` (3.8: punkt sentences, then NLTKWordTokenizer), which Spider's `process_sql.tokenize` runs.
// Quoted strings never reach it (they are placeholders by then), so the quote rules only ever see backticks and
// typographic quotes; they are kept for fidelity.

type Rule = readonly [RegExp, string];

const notWord = `(?<![${pythonWord}])`;
const endWord = `(?![${pythonWord}])`;

const startingQuotes: readonly Rule[] = [
  [/([«“‘„]|[`]+)/gu, ' $1 '],
  [/^"/u, '``'],
  [/(``)/gu, ' $1 '],
  [/([ ([{<])("|'{2})/gu, '$1 `` '],
  [new RegExp(`(')(?!re|ve|ll|m|t|s|d|n)([${pythonWord}])(?=[^${pythonWord}]|$)`, 'giu'), '$1 $2'],
];

// Each rule carries a cheap test of the characters it needs: most cannot fire on typical SQL (same output).
const finalPeriod = new RegExp(`([^.])(\\.)([\\])}>"']*)[${pythonSpace}]*$`, 'u');
const punctuation: readonly (readonly [RegExp, string, (text: string) => boolean])[] = [
  [finalPeriod, '$1 $2 $3 ', (text) => text.includes('.')],
  [/([:,])([^\p{Nd}])/gu, ' $1 $2', (text) => text.includes(',') || text.includes(':')],
  [/([:,])$/u, ' $1 ', (text) => text.endsWith(',') || text.endsWith(':')],
  [/\.{2,}/gu, ' $& ', (text) => text.includes('..')],
  [/[;@#$%&]/gu, ' $& ', (text) => /[;@#$%&]/.test(text)],
  [finalPeriod, '$1 $2$3 ', (text) => text.includes('.')],
  [/[?!]/gu, ' $& ', (text) => text.includes('?') || text.includes('!')],
  [/([^'])' /gu, "$1 ' ", (text) => text.includes("'")],
  [/[*]/gu, ' $& ', (text) => text.includes('*')],
];

const parensBrackets: Rule = [/[\][(){}<>]/gu, ' $& '];
const doubleDashes: Rule = [/--/gu, ' -- '];

const endingQuotes: readonly Rule[] = [
  [/([»”’])/gu, ' $1 '],
  [/''/gu, " '' "],
  [/"/gu, " '' "],
  [/([^' ])('[sS]|'[mM]|'[dD]|') /gu, '$1 $2 '],
  [/([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) /gu, '$1 $2 '],
];

const contractions: readonly RegExp[] = [
  new RegExp(`${notWord}(can)(not)${endWord}`, 'giu'),
  new RegExp(`${notWord}(d)('ye)${endWord}`, 'giu'),
  new RegExp(`${notWord}(gim)(me)${endWord}`, 'giu'),
  new RegExp(`${notWord}(gon)(na)${endWord}`, 'giu'),
  new RegExp(`${notWord}(got)(ta)${endWord}`, 'giu'),
  new RegExp(`${notWord}(lem)(me)${endWord}`, 'giu'),
  new RegExp(`${notWord}(more)('n)${endWord}`, 'giu'),
  new RegExp(`${notWord}(wan)(na)(?=[${pythonSpace}])`, 'giu'),
  new RegExp(` ('t)(is)${endWord}`, 'giu'),
  new RegExp(` ('t)(was)${endWord}`, 'giu'),
];

const mayQuote = /[«“‘„`"'»”’]/;
const mayContract = /can|d'ye|gim|gon|got|lem|more|wan|'t/i;

function treebankTokenize(sentence: string): string[] {
  let text = sentence;
  const quotes = mayQuote.test(text);
  if (quotes) for (const [pattern, replacement] of startingQuotes) text = text.replace(pattern, replacement);
  for (const [pattern, replacement, applies] of punctuation)
    if (applies(text)) text = text.replace(pattern, replacement);
  text = text.replace(parensBrackets[0], parensBrackets[1]);
  if (text.includes('--')) text = text.replace(doubleDashes[0], doubleDashes[1]);
  text = ` ${text} `;
  if (quotes) for (const [pattern, replacement] of endingQuotes) text = text.replace(pattern, replacement);
  if (mayContract.test(text)) for (const pattern of contractions) text = text.replace(pattern, ' $1 $2 ');
  return pythonSplit(text);
}

// Punkt only changes the tokens where a sentence ends in a period (NLTKWordTokenizer splits `.` off at the end of
// a sentence only). We break after a word ending in a single period that is followed by whitespace: punkt's
// abbreviation and orthographic heuristics are not modelled (no Spider or CSpider query has such a period).
const sentenceBreak = new RegExp(`(?<=[^.${pythonSpace}]\\.)[${pythonSpace}]+(?=[^${pythonSpace}])`, 'u');

const mayBreak = new RegExp(`\\.[${pythonSpace}]`, 'u');

/** NLTK `word_tokenize` as Spider's evaluator calls it. */
export function wordTokenize(text: string): string[] {
  return mayBreak.test(text) ? text.split(sentenceBreak).flatMap(treebankTokenize) : treebankTokenize(text);
}

import { characterClasses, whiteSpaceClass } from './character-classes.js';
import { convertOnigurumaPattern, literalPattern } from './oniguruma-pattern.js';
import type { NormalizerDefinition, PatternDefinition } from './pipeline-definition.js';

export type TextTransform = (text: string) => string;

export function patternRegExp(pattern: PatternDefinition, where: string): RegExp {
  return 'string' in pattern ? literalPattern(pattern.string) : convertOnigurumaPattern(pattern.regex, where);
}

function isWhiteSpace(text: string, index: number): boolean {
  return characterClasses()[text.charCodeAt(index)] === whiteSpaceClass;
}

/** A normalizer as a function, with the semantics of HF `tokenizers` (`where` names it in errors). */
export function buildNormalizer(definition: NormalizerDefinition, where: string): TextTransform {
  switch (definition.type) {
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD': {
      const form = definition.type;
      return (text) => text.normalize(form);
    }
    case 'Lowercase':
      return (text) => text.toLowerCase();
    case 'StripAccents':
      // HF removes combining marks (Mn) from the text as it is; an NFD before it does the decomposing.
      return (text) => text.replace(/\p{Mn}/gu, '');
    case 'Strip': {
      const { left, right } = definition;
      return (text) => {
        let start = 0;
        let end = text.length;
        if (left) while (start < end && isWhiteSpace(text, start)) start++;
        if (right) while (end > start && isWhiteSpace(text, end - 1)) end--;
        return text.slice(start, end);
      };
    }
    case 'Prepend': {
      const { prepend } = definition;
      return (text) => (text === '' ? text : prepend + text);
    }
    case 'Replace': {
      const pattern = patternRegExp(definition.pattern, where);
      const { content } = definition;
      return (text) => text.replace(pattern, () => content);
    }
    case 'Sequence': {
      const steps = definition.normalizers.map((step, index) =>
        buildNormalizer(step, `${where}.normalizers[${index}]`),
      );
      return (text) => steps.reduce((current, step) => step(current), text);
    }
  }
}

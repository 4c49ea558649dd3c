// Writes assets/aquila-tokenizer.bin.gz, the copy of Aquila's tokenizer shipped in the package, from the
// original vocab.json + merges.txt + special_tokens.txt (+ special_tokens_map.json, tokenizer_config.json).
// Run: pnpm exec tsx scripts/build-aquila-asset.ts [folder] (default: the copy in packages/test-kit/fixtures/aquila-tokenizer)
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fixturePath } from '@aquila/test-kit';
import { writeCompactDefinition } from '../src/internal/compact-definition.js';
import { loadTokenizer } from '../src/load-tokenizer.js';

const folder = process.argv[2] ?? fixturePath('aquila-tokenizer');
const tokenizer = await loadTokenizer({ path: folder });
const output = new URL('../assets/aquila-tokenizer.bin.gz', import.meta.url);
writeFileSync(output, writeCompactDefinition(tokenizer.definition));
process.stdout.write(`wrote ${fileURLToPath(output)} (${tokenizer.vocabSize} ids)\n`);

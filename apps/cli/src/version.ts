import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// dist/bin.js and src/version.ts both sit one folder below package.json.
export const version: string = (require('../package.json') as { version: string }).version;

import { assetFolder } from './asset-folder.js';

/** The Spider dev subset the demo answers, shipped in the package (`assets/spider-demo`: questions, schemas and databases). */
export function embeddedSpider(): string {
  return assetFolder({ name: 'spider-demo', probe: 'dev.json' });
}

import { fileURLToPath } from 'node:url';

/** shared/fixtures beside the clone, as tests read it. */
export const sharedFixturesDirectory = fileURLToPath(new URL('../../../../../shared/fixtures/', import.meta.url));

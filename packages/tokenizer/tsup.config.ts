import { packageBuild } from '../../tsup.shared.js';

// The worker is its own entry: encodeBatch starts it from dist/encode-worker.js.
export default packageBuild({ entry: ['src/index.ts', 'src/encode-worker.ts'] });

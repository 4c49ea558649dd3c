import { packageBuild } from '../../tsup.shared.js';

export default packageBuild({ entry: ['src/index.ts', 'src/execution-worker.ts', 'src/execution-process.ts'] });

import { packageBuild } from '../../tsup.shared.js';

// `./testing` is its own entry, so the main entry carries no test helper.
export default packageBuild({ entry: ['src/index.ts', 'src/testing.ts'] });

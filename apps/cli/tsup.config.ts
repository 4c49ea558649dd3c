import { packageBuild } from '../../tsup.shared.js';

export default packageBuild({ entry: ['src/bin.ts'], dts: false, banner: { js: '#!/usr/bin/env node' } });

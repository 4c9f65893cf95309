import { definePackageBuild } from '../../tsdown.base.ts';

// The server only; the page (src/app) is bundled for the browser by scripts/build-app.mjs.
export default definePackageBuild({ entry: { index: 'src/index.ts' } });

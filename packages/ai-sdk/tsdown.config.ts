import { definePackageBuild } from '../../tsdown.base.ts';

export default definePackageBuild({ entry: { index: 'src/index.ts' } });

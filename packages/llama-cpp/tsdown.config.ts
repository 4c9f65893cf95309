import { definePackageBuild } from '../../tsdown.base.ts';

export default definePackageBuild({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
});

import { definePackageBuild } from '../../tsdown.base.ts';

export default definePackageBuild({
  entry: {
    index: 'src/index.ts',
    'environment/index': 'src/environment/index.ts',
    'provider/index': 'src/providers/index.ts',
    'testing/index': 'src/testing/index.ts',
    'testing/vitest': 'src/testing/vitest.ts',
    'benchmark/index': 'src/benchmark/index.ts',
    'cache/index': 'src/cache/index.ts',
  },
});

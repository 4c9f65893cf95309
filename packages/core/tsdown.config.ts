import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'environment/index': 'src/environment/index.ts',
    'provider/index': 'src/providers/index.ts',
    'testing/index': 'src/testing/index.ts',
    'testing/vitest': 'src/testing/vitest.ts',
    'benchmark/index': 'src/benchmark/index.ts',
  },
  format: 'esm',
  dts: true,
  platform: 'node',
  target: 'node20',
});

import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: 'esm',
  // The workspace's @rlm/* packages export TypeScript source, which Node 20 cannot run: they are
  // devDependencies and bundled in; their third-party dependencies are ours and stay external.
  dts: false,
  platform: 'node',
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});

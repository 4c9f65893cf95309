import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: 'esm',
  // Bundled in: the workspace's @rlm/* packages (they export TypeScript source, which Node 20 cannot
  // run) and the provider SDKs they use, each in a chunk loaded only for its provider: one bundled
  // file imports in ~45 ms where the SDK's hundreds of modules take ~250–500 ms (measured, see
  // README). External: what `dependencies` lists (QuickJS must find its .wasm file beside it).
  dts: false,
  platform: 'node',
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});

import { definePackageBuild } from '../../tsdown.base.ts';

export default definePackageBuild({
  entry: { 'rlm-bench': 'src/rlm-bench.ts' },
  // As the CLI: the workspace's @rlm/* packages (devDependencies) are bundled from their sources;
  // QuickJS stays external so that it finds its .wasm file beside it.
  dts: false,
  banner: { js: '#!/usr/bin/env node' },
});

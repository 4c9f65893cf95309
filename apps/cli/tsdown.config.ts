import { definePackageBuild } from '../../tsdown.base.ts';

export default definePackageBuild({
  entry: { cli: 'src/cli.ts', 'rlm-mcp': 'src/rlm-mcp.ts' },
  // Bundled in: the workspace's @rlm/* packages the CLI lists as devDependencies (core, QuickJS,
  // the providers), from their sources, and the provider SDKs they use, each in a chunk loaded only
  // for its provider: one bundled file imports in ~45 ms where the SDK's hundreds of modules take
  // ~250–500 ms (measured, see README). The MCP SDK (for `rlm mcp` / `rlm-mcp`) likewise, in a chunk only
  // that command loads, so installing the CLI fetches none of its ~90 packages. External: what `dependencies` lists (QuickJS must find its
  // .wasm file beside it), and the optional environments (@rlm/env-deno, @rlm/env-isolated-vm),
  // imported by a computed name at run time so that they are found next to rlm, built.
  dts: false,
  banner: { js: '#!/usr/bin/env node' },
  // The viewer's page (built by @rlm/viewer, a build dependency): its server looks for it beside itself.
  copy: [{ from: '../viewer/dist/viewer-app', to: 'dist' }],
});

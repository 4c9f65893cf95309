import { main } from './main';

// `rlm-mcp …` is `rlm mcp …`. A relaunch (--env isolated-vm) runs this file again with `mcp` first.
const args = process.argv.slice(2);
process.exitCode = await main(['mcp', ...(args[0] === 'mcp' ? args.slice(1) : args)]);
// As in cli.ts: the process ends when its loop empties; this timer ends it if a sandbox keeps a handle.
setTimeout(() => process.exit(), 2_000).unref();

import { main } from './main';

process.exitCode = await main();
// The answer has been given: the process ends when its event loop empties, which lets a sandbox
// finish tearing down (isolated-vm frees an isolate on a thread of its own; exiting under it can
// crash). If something keeps the loop alive for good — isolated-vm keeps a handle for every isolate
// it lost to a catastrophic error — this timer, which alone keeps nothing alive, ends it.
setTimeout(() => process.exit(), 2_000).unref();

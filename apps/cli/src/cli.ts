import { main } from './main';

const code = await main();
// End the process once what was written is flushed, rather than when the event loop empties: a
// sandbox may keep a handle open for good (isolated-vm, after an isolate it lost to a catastrophic
// error, keeps a thread and its handle), and the answer has been given.
const flushed = (stream: NodeJS.WriteStream) =>
  new Promise<void>((resolve) => stream.write('', () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);

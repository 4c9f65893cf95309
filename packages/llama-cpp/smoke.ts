import { createServer } from 'node:http';
import { downloadModel } from './src/download-model.ts';
import { tinyGgufBytes } from './src/testing/write-tiny-gguf.ts';

let t = performance.now();
const gguf = tinyGgufBytes();
console.log('bytes', gguf.length, performance.now() - t);
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-length': String(gguf.length) });
  res.end(gguf);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as any).port;
for (let i = 0; i < 3; i++) {
  t = performance.now();
  await downloadModel({
    name: 'x',
    url: `http://127.0.0.1:${port}/a.gguf`,
    path: `/tmp/dl-${Date.now()}.gguf`,
    onEvent: (e) => {
      if (e.type !== 'progress') console.log(e.type, (performance.now() - t).toFixed(0));
    },
  });
  console.log('total', (performance.now() - t).toFixed(0));
}
server.close();

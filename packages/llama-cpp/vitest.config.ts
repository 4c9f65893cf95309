import { packageTestConfig } from '../../vitest.source.ts';

export default packageTestConfig({
  // Every file loads llama.cpp, which first tests its native binary in a child process (seconds on
  // a busy machine): one process for all files does that once. The files run one after another,
  // as llama.cpp's own threads want the cores anyway.
  pool: 'forks',
  isolate: false,
  fileParallelism: false,
});

import { packageTestConfig } from '../../vitest.source.ts';

export default packageTestConfig({
  // isolated-vm needs `--no-node-snapshot` on Node 20+ (without it, creating an isolate can crash
  // the process); worker threads cannot take that flag, child processes can.
  pool: 'forks',
  execArgv: ['--no-node-snapshot'],
});

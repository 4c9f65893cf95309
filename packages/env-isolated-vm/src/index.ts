export {
  createIsolatedVMEnvironment,
  type IsolatedVMEnvironmentOptions,
  isolatedVM,
} from './isolated-vm-environment';

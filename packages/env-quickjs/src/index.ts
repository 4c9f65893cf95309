export { createQuickJSEnvironment, type QuickJSEnvironmentOptions, quickjs } from './quickjs-environment';

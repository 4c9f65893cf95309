export { createDenoEnvironment, type DenoEnvironmentOptions, deno } from './deno-environment';
export { DENO_PATH_VARIABLE, denoPlatformPackage, resolveDenoBinary } from './resolve-deno-binary';

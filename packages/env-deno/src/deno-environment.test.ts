import { testEnvironment } from '@rlm/core/testing';
import { createDenoEnvironment } from './deno-environment';

testEnvironment(() => createDenoEnvironment({ memoryLimitMb: 256 }), { memoryLimit: true });

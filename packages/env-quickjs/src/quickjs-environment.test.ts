import { testEnvironment } from '@rlm/core/testing';
import { describe, expect, it } from 'vitest';
import { createQuickJSEnvironment } from './quickjs-environment';

const MEMORY_LIMIT_BYTES = 128 * 1024 * 1024;

testEnvironment(() => createQuickJSEnvironment({ memoryLimitBytes: MEMORY_LIMIT_BYTES }), {
  memoryLimit: true,
});

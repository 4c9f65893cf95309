import { describe, expect, it } from 'vitest';
import { cacheDirectoryOf, defaultCacheDirectory } from './default-cache-directory';

describe('defaultCacheDirectory', () => {
  it('is model-calls under $XDG_CACHE_HOME/rlm, else the platform cache folder', () => {
    expect(defaultCacheDirectory({ HOME: '/home/u', XDG_CACHE_HOME: '/x/cache' }, 'linux')).toBe(
      '/x/cache/rlm/model-calls',
    );
    expect(defaultCacheDirectory({ HOME: '/home/u' }, 'linux')).toBe('/home/u/.cache/rlm/model-calls');
    // A relative XDG_CACHE_HOME is invalid by the spec: ignored.
    expect(defaultCacheDirectory({ HOME: '/home/u', XDG_CACHE_HOME: 'rel' }, 'linux')).toBe(
      '/home/u/.cache/rlm/model-calls',
    );
    expect(defaultCacheDirectory({ HOME: '/Users/u' }, 'darwin')).toBe(
      '/Users/u/Library/Caches/rlm/model-calls',
    );
    expect(defaultCacheDirectory({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32')).toBe(
      'C:\\Users\\u\\AppData\\Local\\rlm\\Cache\\model-calls',
    );
  });
});

describe('cacheDirectoryOf', () => {
  const environment = { HOME: '/home/u' };
  it('is off for false and unset; the default for true; a folder relative to cwd or to its config file', () => {
    expect(cacheDirectoryOf(undefined, undefined, environment, '/w')).toBeUndefined();
    expect(cacheDirectoryOf(false, '--no-cache', environment, '/w')).toBeUndefined();
    expect(cacheDirectoryOf(true, '--cache', { ...environment }, '/w')).toMatch(/rlm[/\\]model-calls$/);
    expect(cacheDirectoryOf('c', '--cache', environment, '/w')).toBe('/w/c');
    expect(cacheDirectoryOf('c', 'RLM_CACHE', environment, '/w')).toBe('/w/c');
    expect(cacheDirectoryOf('c', '/repo/rlm.config.json', environment, '/w')).toBe('/repo/c');
    expect(cacheDirectoryOf('/abs', '/repo/rlm.config.json', environment, '/w')).toBe('/abs');
    expect(cacheDirectoryOf('~/c', 'RLM_CACHE', environment, '/w')).toBe('/home/u/c');
  });
});

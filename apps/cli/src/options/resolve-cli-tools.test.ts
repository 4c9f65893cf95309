import { describe, expect, it } from 'vitest';
import type { ConfigFile } from './config-files';
import { resolveCliSettings } from './resolve-cli-settings';
import { resolveCliTools } from './resolve-cli-tools';

/** Settings as the CLI merges them, then the tools they give. */
function toolsOf(
  flags: Record<string, string>,
  environment: Record<string, string> = {},
  configFiles: ConfigFile[] = [],
) {
  const { settings, origins } = resolveCliSettings(flags, environment, configFiles);
  return resolveCliTools(settings, origins, {
    baseUrl: 'http://127.0.0.1:8787/v1',
    environment: { ...environment },
  });
}

describe('resolveCliTools', () => {
  it('gives grep and search by default, and retrieve too once an embedding model is named (flag, variable or config key)', () => {
    expect(toolsOf({})).toEqual({ names: ['grep', 'search'], warnings: [] });
    const withEmbeddings = {
      names: ['grep', 'search', 'retrieve'],
      embeddingModel: {
        provider: 'openai',
        modelId: 'text-embedding-3-small',
        id: 'openai:text-embedding-3-small',
      },
      warnings: [],
    };
    expect(toolsOf({ embeddingModel: 'openai:text-embedding-3-small' })).toEqual(withEmbeddings);
    expect(toolsOf({}, { RLM_EMBEDDING_MODEL: 'openai:text-embedding-3-small' })).toEqual(withEmbeddings);
    expect(
      toolsOf({ embeddingModel: 'openai:text-embedding-3-small' }, { RLM_EMBEDDING_DIMENSIONS: '256' })
        .embeddingModel,
    ).toEqual({ ...withEmbeddings.embeddingModel, dimensions: 256 });
    expect(
      toolsOf({}, {}, [
        {
          path: '/home/u/.config/rlm/config.json',
          scope: 'home',
          values: { embeddingModel: 'openai:text-embedding-3-small' },
        },
      ]),
    ).toEqual(withEmbeddings);
  });

  it('takes an explicit tools setting as written; a typed --embedding-model that no tool uses is a warning, a stored one is not', () => {
    expect(toolsOf({ tools: 'retrieve', embeddingModel: 'openai:e' }).names).toEqual(['retrieve']);
    expect(toolsOf({ tools: 'grep', embeddingModel: 'openai:e' })).toEqual({
      names: ['grep'],
      warnings: [
        '--embedding-model openai:e is not used: --tools leaves retrieve out (grep). To use it: --tools grep,retrieve.',
      ],
    });
    expect(toolsOf({ embeddingModel: 'openai:e' }, { RLM_TOOLS: 'none' }).warnings).toEqual([
      '--embedding-model openai:e is not used: tools (from RLM_TOOLS) leaves retrieve out (none). To use it: --tools retrieve.',
    ]);
    expect(toolsOf({ embeddingDimensions: '256' }).warnings).toEqual([
      '--embedding-dimensions 256 is not used: no --embedding-model is given.',
    ]);
    expect(toolsOf({ tools: 'search' }, { RLM_EMBEDDING_MODEL: 'openai:e' })).toEqual({
      names: ['search'],
      warnings: [],
    });
  });

  it('refuses retrieve without an embedding model, and an embedding model without embeddings, naming where the setting came from', () => {
    expect(() => toolsOf({ tools: 'retrieve' })).toThrow(
      /^--tools includes retrieve, which needs an embedding model to index the context\. Add --embedding-model openai:text-embedding-3-small .* Or leave retrieve out: --tools none\.$/,
    );
    expect(() =>
      toolsOf({}, {}, [
        { path: '/p/rlm.config.json', scope: 'project', values: { tools: ['search', 'retrieve'] } },
      ]),
    ).toThrow(/^tools \(from \/p\/rlm\.config\.json\) includes retrieve, .* --tools search\.$/);
    expect(() => toolsOf({ embeddingModel: 'anthropic:claude-sonnet-4-6' })).toThrow(
      "--embedding-model 'anthropic:claude-sonnet-4-6': the anthropic provider has no embeddings API. Embeddings come from openai only",
    );
    // Not needed when retrieve is off: no error for a model that would never be called.
    expect(toolsOf({ tools: 'grep' }, { RLM_EMBEDDING_MODEL: 'anthropic:x' }).names).toEqual(['grep']);
  });

  it('needs a key for the embedding model without --base-url, as for --model', () => {
    const { settings, origins } = resolveCliSettings(
      { embeddingModel: 'openai:text-embedding-3-small' },
      {},
      [],
    );
    expect(() => resolveCliTools(settings, origins, { environment: {} })).toThrow(
      'No API key for --embedding-model openai:text-embedding-3-small: set OPENAI_API_KEY',
    );
    expect(
      resolveCliTools(settings, origins, { environment: { OPENAI_API_KEY: 'sk-test' } }).embeddingModel?.id,
    ).toBe('openai:text-embedding-3-small');
  });
});

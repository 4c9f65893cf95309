import { describe, expect, it } from 'vitest';
import { helpText } from './help-text';
import { OPTION_SPECS } from './option-specs';

describe('helpText', () => {
  it('documents every option with its flag, variable and example, and every exit code', () => {
    const help = helpText();
    for (const spec of OPTION_SPECS) {
      expect(help).toContain(`--${spec.flag}`);
      expect(help).toContain(`        e.g. ${spec.example}${spec.envVar ? `   (env ${spec.envVar})` : ''}\n`);
    }
    expect(help).toContain('OPENAI_API_KEY (openai:…), ANTHROPIC_API_KEY (anthropic:…)');
    expect(help).toContain('RLM_API_KEY: the key for the server given by --base-url');
    for (const code of [
      '  0    answered',
      '  1    runtime error',
      '  2    usage error',
      '  3    a limit stopped the run',
      '  130  interrupted with Ctrl-C',
    ]) {
      expect(help).toContain(code);
    }
  });

  it('uses current model ids in its examples (issue 13)', () => {
    const help = helpText();
    expect(help).not.toMatch(/gpt-5-mini|claude-sonnet-4-5\b|openai:gpt-5 /);
    expect(help).toContain('--exclude GLOB');
  });

  it('documents the sub-call cache: the flag with its optional folder, the default folder, the cache commands', () => {
    const help = helpText();
    expect(help).toContain('    --cache [DIR]\n');
    expect(help).toContain('$XDG_CACHE_HOME/rlm/model-calls, else ~/.cache/rlm/model-calls');
    expect(help).toContain('rlm cache stats|clear [--cache DIR]');
    expect(help).toContain('an\n  entry that is damaged, cut short or from another version is ignored');
  });

  it('documents rlm chat: its usage line, the commands, the session-wide limits', () => {
    const help = helpText();
    expect(help).toContain(
      '  rlm chat [--context PATH...] --model PROVIDER:MODEL [options]   several questions in one REPL\n',
    );
    for (const command of ['/context add PATH', '/cost', '/save FILE', '/help', '/exit'])
      expect(help).toContain(command);
    expect(help).toContain('--max-cost, --max-tokens\n  and --max-sub-calls cap the whole session');
  });

  it('names rlm mcp and where its help is', () => {
    expect(helpText()).toContain(
      '  rlm mcp [--root DIR...] [--http] --model PROVIDER:MODEL   an MCP server (rlm mcp --help)\n',
    );
  });
});

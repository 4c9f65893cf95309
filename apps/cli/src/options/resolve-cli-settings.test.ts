import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readConfigFiles } from './config-files';
import { parseCommandLine } from './parse-command-line';
import { resolveCliSettings } from './resolve-cli-settings';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rlm-cli-options-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('parseCommandLine', () => {
  it('takes the question, repeated --context, and further positionals as more context paths', () => {
    const line = parseCommandLine([
      'What?',
      '-c',
      'a',
      '--context',
      'b',
      'c.ts',
      'd.ts',
      '-m',
      'openai:x',
      '--json',
      '-q',
    ]);
    expect(line).toEqual({
      question: 'What?',
      context: ['a', 'b', 'c.ts', 'd.ts'],
      positionalPaths: ['c.ts', 'd.ts'],
      exclude: [],
      flags: { model: 'openai:x', json: true, quiet: true },
      help: false,
      version: false,
    });
  });

  it('turns unknown flags and missing values into usage errors', () => {
    expect(() => parseCommandLine(['q', '--max-cots', '2'])).toThrow(
      'Unknown option --max-cots. Did you mean --max-cost? See rlm --help for every option.',
    );
    expect(() => parseCommandLine(['q', '--max-turn', '2'])).toThrow('Did you mean --max-turns?');
    expect(() => parseCommandLine(['q', '--frobnicate'])).toThrow(
      'Unknown option --frobnicate. See rlm --help for every option.',
    );
    expect(() => parseCommandLine(['q', '--model'])).toThrow(
      '--model needs a value, e.g. --model openai:gpt-5.5. See rlm --help.',
    );
  });
});

describe('resolveCliSettings', () => {
  it('ranks flags over variables over the project file over the home file, and says where each came from', async () => {
    const project = join(root, 'work', 'app');
    await mkdir(join(project, 'src'), { recursive: true });
    await mkdir(join(root, 'home', '.config', 'rlm'), { recursive: true });
    await writeFile(
      join(project, 'rlm.config.json'),
      JSON.stringify({ model: 'openai:project', maxTurns: 12, timeout: '2m' }),
    );
    await writeFile(join(project, '.rlmrc.json'), JSON.stringify({ model: 'openai:shadowed' }));
    await writeFile(
      join(root, 'home', '.config', 'rlm', 'config.json'),
      JSON.stringify({
        model: 'openai:home',
        subModel: 'openai:home-sub',
        maxCost: 5,
        env: 'quickjs',
        verbose: true,
      }),
    );
    const environment = { HOME: join(root, 'home'), RLM_SUB_MODEL: 'openai:env-sub', RLM_MAX_COST: '$0.25' };
    const files = readConfigFiles(join(project, 'src'), environment);
    expect(files.map((file) => [file.scope, file.path])).toEqual([
      ['project', join(project, 'rlm.config.json')],
      ['home', join(root, 'home', '.config', 'rlm', 'config.json')],
    ]);

    const { settings, origins } = resolveCliSettings({ maxTurns: '3' }, environment, files);
    expect(settings).toEqual({
      model: 'openai:project',
      subModel: 'openai:env-sub',
      maxTurns: 3,
      timeout: 120_000,
      maxCost: 0.25,
      env: 'quickjs',
      verbose: true,
    });
    expect(origins).toEqual({
      model: join(project, 'rlm.config.json'),
      subModel: 'RLM_SUB_MODEL',
      maxTurns: '--max-turns',
      timeout: join(project, 'rlm.config.json'),
      maxCost: 'RLM_MAX_COST',
      env: join(root, 'home', '.config', 'rlm', 'config.json'),
      verbose: join(root, 'home', '.config', 'rlm', 'config.json'),
    });
  });

  it('reads $XDG_CONFIG_HOME/rlm/config.json when set', async () => {
    await mkdir(join(root, 'xdg', 'rlm'), { recursive: true });
    await writeFile(join(root, 'xdg', 'rlm', 'config.json'), '{"model":"anthropic:claude-sonnet-4-5"}');
    const files = readConfigFiles(root, { XDG_CONFIG_HOME: join(root, 'xdg'), HOME: join(root, 'nowhere') });
    expect(resolveCliSettings({}, {}, files).settings).toEqual({ model: 'anthropic:claude-sonnet-4-5' });
  });

  it('parses durations, costs and counts, and rejects bad values naming where they came from', () => {
    const parse = (flags: Record<string, string>) => resolveCliSettings(flags, {}, []).settings;
    expect(parse({ timeout: '90' }).timeout).toBe(90_000);
    expect(parse({ timeout: '1500ms' }).timeout).toBe(1500);
    expect(parse({ timeout: '1.5h' }).timeout).toBe(5_400_000);
    expect(parse({ maxDepth: '0', outputCap: '8_000' })).toEqual({ maxDepth: 0, outputCap: 8000 });
    expect(() => parse({ maxTurns: '0' })).toThrow(
      '--max-turns: "0" is not a valid value for max-turns; expected a whole number ≥ 1 (e.g. --max-turns 10).',
    );
    expect(() => parse({ env: 'docker' })).toThrow('expected quickjs, isolated-vm, deno');
    expect(() => resolveCliSettings({}, { RLM_MAX_COST: 'lots' }, [])).toThrow(
      'RLM_MAX_COST: "lots" is not a valid value for max-cost; expected a positive number of US dollars',
    );
    expect(() =>
      resolveCliSettings({ quiet: true }, {}, [
        { path: '/p/rlm.config.json', scope: 'project', values: { verbose: true } },
      ]),
    ).toThrow('--quiet (--quiet) and --verbose (/p/rlm.config.json) contradict each other; choose one.');
  });

  it('reads --tools, RLM_TOOLS and a config list of tools, none for no tools, and rejects unknown tools', () => {
    const parse = (flags: Record<string, string>) => resolveCliSettings(flags, {}, []).settings;
    expect(parse({}).tools).toBeUndefined();
    expect(parse({ tools: 'grep' }).tools).toEqual(['grep']);
    expect(parse({ tools: ' search , grep,search' }).tools).toEqual(['search', 'grep']);
    expect(parse({ tools: 'none' }).tools).toEqual([]);
    expect(resolveCliSettings({}, { RLM_TOOLS: 'search' }, []).settings.tools).toEqual(['search']);
    expect(
      resolveCliSettings({}, {}, [
        { path: '/p/rlm.config.json', scope: 'project', values: { tools: ['grep'] } },
      ]).settings.tools,
    ).toEqual(['grep']);
    expect(() => parse({ tools: 'grep,bm25' })).toThrow(
      '--tools: "grep,bm25" is not a valid value for tools; expected a comma-separated list of grep, search, retrieve, or none (e.g. --tools grep,search,retrieve).',
    );
    expect(() =>
      resolveCliSettings({}, {}, [{ path: '/p/rlm.config.json', scope: 'project', values: { tools: [1] } }]),
    ).toThrow('/p/rlm.config.json: [1] is not a valid value for tools');
  });

  it('rejects unknown keys and broken JSON in config files', async () => {
    expect(() =>
      resolveCliSettings({}, {}, [{ path: '/p/.rlmrc.json', scope: 'project', values: { modle: 'x' } }]),
    ).toThrow("The config file /p/.rlmrc.json has an unknown key 'modle'. Known keys: model, subModel,");
    await writeFile(join(root, 'rlm.config.json'), '{ "model": ');
    expect(() => readConfigFiles(root, { HOME: root })).toThrow(
      `The config file ${join(root, 'rlm.config.json')} is not valid JSON`,
    );
  });
});

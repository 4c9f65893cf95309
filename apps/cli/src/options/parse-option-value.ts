import { InvalidArgumentError } from '@rlm/core';
import { ENVIRONMENT_NAMES, type EnvironmentName, TOOL_NAMES, type ToolName } from './cli-settings';
import type { OptionSpec } from './option-specs';

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Reads one option's value from a flag, an environment variable or a config file (`origin` says
 * which, for the message). Config files may give numbers and booleans as JSON (and tools as a list);
 * everything else is text. A wrong value is a usage error that names the option, the origin and what
 * is expected.
 */
export function parseOptionValue(
  spec: OptionSpec,
  value: unknown,
  origin: string,
): string | number | boolean | readonly ToolName[] {
  const wrong = (expected: string): never => {
    throw new InvalidArgumentError({
      argument: spec.flag,
      message: `${origin}: ${JSON.stringify(value)} is not a valid value for ${spec.flag}; expected ${expected} (e.g. ${spec.example}).`,
    });
  };
  const text =
    typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : undefined;
  switch (spec.kind) {
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      return wrong('true or false');
    }
    case 'optional-folder': {
      if (typeof value === 'boolean') return value;
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      return text !== undefined && text !== '' && typeof value === 'string'
        ? text
        : wrong('true, false or a folder');
    }
    case 'string':
      return text !== undefined && text !== '' && typeof value === 'string'
        ? text
        : wrong('a non-empty string');
    case 'environment':
      return ENVIRONMENT_NAMES.includes(text as EnvironmentName)
        ? (text as EnvironmentName)
        : wrong(ENVIRONMENT_NAMES.join(', '));
    case 'tools': {
      const names = Array.isArray(value)
        ? value
        : text === undefined || typeof value !== 'string'
          ? undefined
          : text === 'none'
            ? []
            : text.split(',').map((name) => name.trim());
      const expected = `a comma-separated list of ${TOOL_NAMES.join(', ')}, or none`;
      if (!names || names.some((name) => !TOOL_NAMES.includes(name as ToolName))) return wrong(expected);
      return [...new Set(names as ToolName[])];
    }
    case 'integer': {
      const number =
        text !== undefined && /^\d+$/.test(text.replaceAll('_', ''))
          ? Number(text.replaceAll('_', ''))
          : Number.NaN;
      return Number.isSafeInteger(number) &&
        number >= (spec.key === 'maxDepth' || spec.key === 'maxRetries' ? 0 : 1)
        ? number
        : wrong(
            spec.key === 'maxDepth' || spec.key === 'maxRetries'
              ? 'a whole number ≥ 0'
              : 'a whole number ≥ 1',
          );
    }
    case 'cost': {
      const number =
        text !== undefined && /^\$?\d+(\.\d+)?$/.test(text) ? Number(text.replace('$', '')) : Number.NaN;
      return number > 0 ? number : wrong('a positive number of US dollars');
    }
    case 'duration': {
      const match = text === undefined ? null : /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text);
      const milliseconds = match ? Number(match[1]) * DURATION_UNITS_MS[match[2] ?? 's']! : Number.NaN;
      return milliseconds >= 1 ? Math.round(milliseconds) : wrong('a duration such as 90, 90s, 5m or 1h');
    }
  }
}

import { baseModelStrategy } from './base-model-strategy';
import {
  codeActStrategy,
  rlmDepthOneStrategy,
  rlmDepthTwoStrategy,
  rlmNoSubCallsStrategy,
} from './rlm-strategies';
import type { Strategy, StrategyName } from './strategy';
import { summaryAgentStrategy } from './summary-agent-strategy';

/** Every strategy by name. */
export const STRATEGIES: Readonly<Record<StrategyName, Strategy>> = {
  base: baseModelStrategy,
  'summary-agent': summaryAgentStrategy,
  'codeact-bm25': codeActStrategy,
  'rlm-no-sub-calls': rlmNoSubCallsStrategy,
  'rlm-depth-1': rlmDepthOneStrategy,
  'rlm-depth-2': rlmDepthTwoStrategy,
};

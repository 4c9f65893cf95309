import type { BenchDocument, BenchInstance, TaskFamily } from './bench-instance';
import { generateBrowseCompInstance } from './browsecomp-task';
import { readCodeBaseFiles } from './code-base-files';
import { generateCodeQaInstance } from './codeqa-task';
import { generateOolongPairsInstance } from './oolong-pairs-task';
import { generateOolongInstance } from './oolong-task';
import { instanceSeed } from './seeded-random';
import { generateSniahInstance } from './sniah-task';

/** What to generate. */
export interface InstancePlan {
  readonly families: readonly TaskFamily[];
  /** Context sizes in tokens. */
  readonly sizes: readonly number[];
  /** Instances per family and size. */
  readonly perCell: number;
  readonly seed: number;
  /** The code base of the CodeQA questions. */
  readonly repo: string;
}

/**
 * Every instance of the plan, in a fixed order (family, size, index). The same plan gives the same
 * instances, byte for byte, so a rerun can skip the finished ones.
 */
export function* generateInstances(plan: InstancePlan): Generator<BenchInstance> {
  let codeBase: BenchDocument[] | undefined;
  for (const family of plan.families) {
    for (const size of plan.sizes) {
      for (let index = 0; index < plan.perCell; index += 1) {
        const seed = instanceSeed(plan.seed, family, size, index);
        switch (family) {
          case 'oolong':
            yield generateOolongInstance(size, index, seed);
            break;
          case 'oolong-pairs':
            yield generateOolongPairsInstance(size, index, seed);
            break;
          case 'sniah':
            yield generateSniahInstance(size, index, seed);
            break;
          case 'browsecomp':
            yield generateBrowseCompInstance(size, index, seed);
            break;
          case 'codeqa':
            codeBase ??= readCodeBaseFiles(plan.repo);
            yield generateCodeQaInstance(size, index, seed, codeBase);
            break;
        }
      }
    }
  }
}

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HostFunction, ReplEnvironment } from '../environment/repl-environment';
import type { EnvironmentCapabilities } from './test-environment';
import { CODE_GENERATION_CHECKS } from './test-environment-security-code-generation';
import { DEFERRED_WORK_CHECKS } from './test-environment-security-deferred-work';
import { HOST_OBJECT_CHECKS } from './test-environment-security-host-objects';
import { HOST_PRESSURE_CHECKS } from './test-environment-security-host-pressure';
import type { SecurityCapability, SecurityCheckGroup, SecurityKit } from './test-environment-security-kit';
import {
  compareHostIntrinsics,
  findNonJson,
  type HostIntrinsicsSnapshot,
  snapshotHostIntrinsics,
} from './test-environment-security-oracles';
import { OUTLIVING_CHECKS } from './test-environment-security-outliving';
import { POLLUTION_CHECKS } from './test-environment-security-pollution';
import { REALM_CHECKS } from './test-environment-security-realm';
import { RESOURCE_CHECKS } from './test-environment-security-resources';
import { HOST_CAPABILITY_CHECKS } from './test-environment-security-surfaces';
import { TEXT_CHECKS } from './test-environment-security-text';
import { type SecurityTraps, setSecurityTraps } from './test-environment-security-traps';
import { createSessionOpener } from './test-environment-session';

export type {
  SecurityCapability,
  SecurityCheck,
  SecurityCheckGroup,
  SecurityKit,
} from './test-environment-security-kit';
export { expectSessionUnharmed } from './test-environment-security-kit';
export { ALLOCATION_BOMBS, type AllocationBomb } from './test-environment-security-resources';

/**
 * Every adversarial check, by group, in the order the suite runs them. Each group lives in its own
 * file, `test-environment-security-<group>.ts`; the kit they share (the check type, what a check gets,
 * the after-attack assertions) is `test-environment-security-kit.ts`.
 */
export const SECURITY_CHECK_GROUPS: readonly SecurityCheckGroup[] = [
  { name: 'host capabilities (files, network, environment, processes)', checks: HOST_CAPABILITY_CHECKS },
  { name: 'host objects and prototypes', checks: HOST_OBJECT_CHECKS },
  { name: 'code from strings', checks: CODE_GENERATION_CHECKS },
  { name: 'work that outlives its cell', checks: OUTLIVING_CHECKS },
  { name: 'resource exhaustion', checks: RESOURCE_CHECKS },
  { name: 'text edge cases', checks: TEXT_CHECKS },
  { name: 'prototype pollution', checks: POLLUTION_CHECKS },
  { name: 'work that outlives its cell, without timers', checks: DEFERRED_WORK_CHECKS },
  { name: 'pressure on the host', checks: HOST_PRESSURE_CHECKS },
  { name: 'the realm behind the sandbox, and what sessions share', checks: REALM_CHECKS },
];

/**
 * Registers the adversarial security section of {@link testEnvironment}: a `describe` block that
 * attacks the environment the way hostile model code would, and after every attack checks that the
 * host's intrinsics are untouched, that every host function received a list of plain JSON values,
 * that nothing reached the host's listener, and (inside each check) that the session still works.
 *
 * A check that needs a capability the environment declares it lacks (`memoryLimit: false`,
 * `interruptsSynchronousCode: false`) fails with a message saying so: such an environment cannot
 * stop hostile code, and the suite does not pretend otherwise.
 */
export function describeSecurityConformance(
  factory: () => ReplEnvironment | Promise<ReplEnvironment>,
  capabilities: EnvironmentCapabilities = {},
): void {
  const has: Record<SecurityCapability, boolean> = {
    memoryLimit: capabilities.memoryLimit ?? true,
    interruptsSynchronousCode: capabilities.interruptsSynchronousCode ?? true,
  };
  const stopGraceMs = capabilities.stopGraceMs ?? 5_000;

  describe('security (adversarial)', () => {
    const opener = createSessionOpener(factory);
    const argumentProblems: string[] = [];
    let traps: SecurityTraps | undefined;
    let hostBefore: HostIntrinsicsSnapshot | undefined;

    const checkArguments =
      (name: string, hostFunction: HostFunction): HostFunction =>
      (args, options) => {
        const problem = Array.isArray(args) ? findNonJson(args) : 'the arguments are not a list';
        if (problem) argumentProblems.push(`${name}: ${problem}`);
        return hostFunction(args, options);
      };

    const kit: SecurityKit = {
      // A check's own wrapper (if any) sees the call first; the argument check always runs too.
      open: (options) =>
        opener.open({
          ...options,
          wrapHostFunction: (name, hostFunction) => {
            const checked = checkArguments(name, hostFunction);
            return options?.wrapHostFunction ? options.wrapHostFunction(name, checked) : checked;
          },
        }),
      get traps() {
        if (!traps) throw new Error('The security traps are not set up yet.');
        return traps;
      },
      stopGraceMs,
    };

    beforeAll(async () => {
      traps = await setSecurityTraps();
    });

    afterAll(async () => {
      await traps?.close();
    });

    beforeEach(() => {
      argumentProblems.length = 0;
      traps?.clearContacts();
      hostBefore = snapshotHostIntrinsics();
    });

    afterEach(async () => {
      await opener.dispose();
      if (hostBefore) {
        expect(
          compareHostIntrinsics(hostBefore, snapshotHostIntrinsics()),
          'host intrinsics changed',
        ).toEqual([]);
      }
      expect(argumentProblems, 'a host function received something other than a list of plain JSON').toEqual(
        [],
      );
      expect(traps?.contacts(), 'something reached the host’s listener').toEqual([]);
    });

    for (const group of SECURITY_CHECK_GROUPS) {
      describe(group.name, () => {
        for (const check of group.checks) {
          const missing = (check.needs ?? []).filter((capability) => !has[capability]);
          if (missing.length > 0) {
            it(check.title, () => {
              throw new Error(
                `This environment declares ${missing.map((capability) => `${capability}: false`).join(' and ')}, so it cannot stop this attack; see SECURITY.md.`,
              );
            });
          } else {
            it(check.title, () => check.run(kit), check.testTimeoutMs);
          }
        }
      });
    }
  });
}

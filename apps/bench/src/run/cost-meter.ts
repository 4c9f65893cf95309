/**
 * The benchmark's running cost: every model call of every instance adds to it as it ends, so the
 * progress line shows it live and `--budget` stops new work once it is spent.
 */
export class CostMeter {
  private spent = 0;
  private readonly listeners = new Set<(spentUsd: number) => void>();

  /** `budgetUsd`: the `--budget`, if any. `alreadySpentUsd`: what finished instances of earlier runs cost. */
  constructor(
    readonly budgetUsd: number | undefined,
    alreadySpentUsd = 0,
  ) {
    this.spent = alreadySpentUsd;
  }

  get spentUsd(): number {
    return this.spent;
  }

  /** What is left of the budget (Infinity without one). */
  get remainingUsd(): number {
    return this.budgetUsd === undefined ? Number.POSITIVE_INFINITY : Math.max(0, this.budgetUsd - this.spent);
  }

  get exhausted(): boolean {
    return this.remainingUsd <= 0;
  }

  add(costUsd: number | undefined): void {
    if (costUsd === undefined || costUsd === 0) return;
    this.spent += costUsd;
    for (const listener of this.listeners) listener(this.spent);
  }

  onChange(listener: (spentUsd: number) => void): void {
    this.listeners.add(listener);
  }
}

/** Thrown by the benchmark's own calls (base model, summary agent) when the budget is spent. */
export class BudgetSpentError extends Error {
  constructor(budgetUsd: number) {
    super(
      `The benchmark's budget of $${budgetUsd} is spent: not sent. Rerun with a higher --budget to go on.`,
    );
    this.name = 'BudgetSpentError';
  }
}

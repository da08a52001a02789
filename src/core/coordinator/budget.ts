// The milestone's `budget_usd`: once the session's agents have spent it, no new agent task
// starts and the session pauses, saying what to do. The budget is read again from the
// file when the session goes on (a resume re-reads the whole milestone; an in-process
// resume asks `reload`).

export class Budget {
  private warned = false;

  constructor(
    private limit: number | undefined,
    private readonly deps: { spent: () => number; file: string; pause: (reason: string) => void },
  ) {}

  /** Another agent task may start. */
  allows(): boolean {
    return this.limit === undefined || this.deps.spent() < this.limit;
  }

  /** After spending (an agent's result) or before going on: pauses once when the budget is spent. */
  check(): void {
    if (this.allows()) {
      this.warned = false;
      return;
    }
    if (this.warned) return;
    this.warned = true;
    const usd = (n: number): string => `$${n.toFixed(4)}`;
    this.deps.pause(`the milestone's budget of ${usd(this.limit!)} is spent (${usd(this.deps.spent())} so far): no new agent task starts. Raise budget_usd in ${this.deps.file}, then resume`);
  }

  /** The budget as the file now says it. */
  reload(limit: number | undefined): void {
    this.limit = limit;
    this.warned = false;
  }
}

/** Fair order across teams (pure): one team's backlog cannot push another team's work back. */

export interface TeamItem {
  id: string;
  teamId: string;
  nextRenewalAt: number;
}

/**
 * `items` in turns: each team's most overdue first, then each team's second, and so on; within a turn the most
 * overdue go first (ties by id, so the order is stable). The order the queue receives them in.
 */
export function inTurns<T extends TeamItem>(items: readonly T[]): T[] {
  return inTurnsBy(items, (item) => item.nextRenewalAt);
}

/** The same turns for any team's work (webhook messages too), `dueAt` saying since when each item has waited. */
export function inTurnsBy<T extends { id: string; teamId: string }>(items: readonly T[], dueAt: (item: T) => number): T[] {
  const byTeam = new Map<string, T[]>();
  const sorted = [...items].sort((a, b) => dueAt(a) - dueAt(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const turnOf = new Map<T, number>();
  for (const item of sorted) {
    const team = byTeam.get(item.teamId) ?? [];
    turnOf.set(item, team.length);
    team.push(item);
    byTeam.set(item.teamId, team);
  }
  // Array.prototype.sort is stable: within a turn the overdue order of `sorted` stays.
  return sorted.sort((a, b) => turnOf.get(a)! - turnOf.get(b)!);
}

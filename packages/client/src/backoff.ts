/**
 * Reconnect delay for attempt `n` (0-based): exponential from `baseMs`, capped at `maxMs`,
 * with jitter over the upper half so that thousands of clients dropped by one restart do not
 * return in lock-step.
 */
export function reconnectDelay(attempt: number, baseMs = 500, maxMs = 30_000, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

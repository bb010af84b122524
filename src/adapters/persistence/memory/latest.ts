/** updated_at never moves back: a batch whose clock reading is older may be applied later. */
export function latest(stored: Date, now: Date): Date {
  return stored > now ? stored : now;
}

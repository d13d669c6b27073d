/** A clock that moves only when code under test sleeps (or a test advances it), recording every sleep. */

export interface VirtualClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Every sleep asked for, in ms, in order. */
  readonly sleeps: number[];
  advance(ms: number): void;
}

/** Starts at the real time by default: the Route 53 fake checks SigV4 dates against its clock (5 minutes' skew). */
export function virtualClock(start = Date.now()): VirtualClock {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    async sleep(ms) {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
    advance(ms) {
      t += ms;
    },
  };
}

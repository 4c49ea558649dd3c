/**
 * Finds stop strings in streamed text. Text that could still become a stop string is held back, so
 * a partial match is never emitted and then retracted; `push` returns only text that is final.
 */
export class StopStringMatcher {
  private pending = '';
  private readonly stops: readonly string[];

  constructor(stops: readonly string[]) {
    this.stops = stops.filter((stop) => stop.length > 0);
  }

  /** Adds text; returns what may be emitted now, and whether a stop string has been completed. */
  push(text: string): { text: string; stopped: boolean } {
    this.pending += text;
    let first = -1;
    for (const stop of this.stops) {
      const index = this.pending.indexOf(stop);
      if (index >= 0 && (first < 0 || index < first)) first = index;
    }
    if (first >= 0) {
      const emitted = this.pending.slice(0, first);
      this.pending = '';
      return { text: emitted, stopped: true };
    }
    let held = 0;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, this.pending.length); length > held; length--) {
        if (this.pending.endsWith(stop.slice(0, length))) {
          held = length;
          break;
        }
      }
    }
    const emitted = this.pending.slice(0, this.pending.length - held);
    this.pending = this.pending.slice(this.pending.length - held);
    return { text: emitted, stopped: false };
  }

  /** The held-back text, at the end of generation (it never became a stop string). */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return rest;
  }
}

/** Progress of `encodeJsonLines` and `decodeJsonLines`. */
export interface JsonLineProgress {
  /** Records done so far: output lines written (blank and skipped input lines are not records). */
  lines: number;
}

import type { Row } from '../internal/result-equal.js';
import { resultsMatch, type VoteEquality } from './vote-equality.js';

/** What running one candidate gave: its rows, or why it has none. */
export type CandidateResult = { ok: true; rows: readonly Row[] } | { ok: false; error: string };

/** The vote's outcome over candidates' results. */
export interface CandidateGroups {
  /** Candidate indices of each group, in the order the groups formed, each group's first member first. */
  groups: number[][];
  /** The winning group's index in `groups`; undefined when every candidate failed. */
  winner: number | undefined;
  /** The chosen candidate: the winning group's first member, or candidate 0 when every candidate failed. */
  chosen: number;
}

/**
 * The vote by execution: candidates that failed are dropped; each other candidate, in order, joins the first
 * group whose first member's result equals its own, else starts a group. The largest group wins, a tie going to
 * the group formed first (its first member came first); the answer is its first member. If every candidate
 * failed, the answer is the first candidate.
 */
export function groupCandidates(options: {
  results: readonly CandidateResult[];
  equality: VoteEquality;
}): CandidateGroups {
  const groups: { first: readonly Row[]; members: number[] }[] = [];
  options.results.forEach((result, index) => {
    if (!result.ok) return;
    const group = groups.find(({ first }) => resultsMatch(options.equality, first, result.rows));
    if (group === undefined) groups.push({ first: result.rows, members: [index] });
    else group.members.push(index);
  });
  let winner: number | undefined;
  groups.forEach((group, index) => {
    // Strictly larger: a tie keeps the group formed first.
    if (winner === undefined || group.members.length > (groups[winner] as (typeof groups)[number]).members.length)
      winner = index;
  });
  return {
    groups: groups.map(({ members }) => members),
    winner,
    chosen: winner === undefined ? 0 : ((groups[winner] as (typeof groups)[number]).members[0] as number),
  };
}

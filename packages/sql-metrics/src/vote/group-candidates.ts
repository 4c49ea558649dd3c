import type { Row } from '../internal/result-equal.js';
import { resultDigest } from './result-digest.js';
import { resultsMatch, type VoteEquality } from './vote-equality.js';

/**
 * What running one candidate gave: its rows, or why it has none. A result may come as its `digest` under the
 * vote's equality (see resultDigest) instead of its rows, which are then left empty.
 */
export type CandidateResult = { ok: true; rows: readonly Row[]; digest?: string } | { ok: false; error: string };
type Answer = Extract<CandidateResult, { ok: true }>;

// Equal under `equality`: by digest where either result came as one (results without one have rows to digest).
function sameAnswer(equality: VoteEquality, first: Answer, candidate: Answer): boolean {
  if (first.digest === undefined && candidate.digest === undefined)
    return resultsMatch(equality, first.rows, candidate.rows);
  const digest = (answer: Answer): string | undefined => answer.digest ?? resultDigest(equality, answer.rows);
  return digest(first) === digest(candidate);
}

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
  const groups: { first: Answer; members: number[] }[] = [];
  options.results.forEach((result, index) => {
    if (!result.ok) return;
    const group = groups.find(({ first }) => sameAnswer(options.equality, first, result));
    if (group === undefined) groups.push({ first: result, members: [index] });
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

// The profile counters (followers, following, posts) that other roles' changes move. Two ways:
//   - a role whose SQL tables share the accounts' database moves them inside its own write
//     transaction, through the ProfileCounters collaborator it is given (never by importing
//     the accounts' adapter);
//   - a role on another store (posts on MongoDB, the graph on Neo4j) moves them after its
//     change through the accounts port, and takes its change back when that fails
//     (afterOwnChange), so that the client's retry redoes both and the stores stay in step.
import type { SqlClient } from '../engines/sql.ts';

export interface FollowEdgeEnds {
  followerId: number;
  followeeId: number;
}

/** The counters' statements, run in the caller's transaction on the accounts' database. */
export interface ProfileCounters {
  /** Moves both ends' follower/following counters by each edge. */
  follows(tx: SqlClient, edges: readonly FollowEdgeEnds[], delta: 1 | -1): Promise<void>;
  /** Moves an author's posts counter by one post. */
  posts(tx: SqlClient, userId: number, delta: 1 | -1): Promise<void>;
}

/**
 * After a change in a store apart from the accounts': `move` the counters, or, when that
 * fails, `undo` the change (its own failure ignored: the first error is the one to report).
 * Only a crash between the two writes can leave a counter off by one; the store's own exact
 * count is the truth a repair would reset it from.
 */
export async function afterOwnChange(
  move: () => Promise<void>,
  undo?: () => Promise<unknown>,
): Promise<void> {
  try {
    await move();
  } catch (error) {
    await undo?.().catch(() => {});
    throw error;
  }
}

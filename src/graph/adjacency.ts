// The graph as in-process adjacency lists (Map<user, Int32Array of followees>), with
// friends-of-friends computed in plain loops. It is the lower bound that a native graph
// engine's adjacency lists approach (the benchmark's baseline) and the oracle the tests
// compare every adapter with. It is not an adapter: nothing here is stored.
import type { Suggestion } from './graph.port.ts';

export class AdjacencyGraph {
  /** Followees of each user, ascending. */
  readonly following = new Map<number, Int32Array>();
  // Scratch space reused by every query: a path count per user, and an "excluded" stamp.
  private readonly strength: Int32Array;
  private readonly excluded: Int32Array;
  private stamp = 0;

  constructor(followers: ArrayLike<number>, followees: ArrayLike<number>) {
    let maxId = 0;
    const degree = new Map<number, number>();
    for (let i = 0; i < followers.length; i++) {
      const follower = followers[i] as number;
      degree.set(follower, (degree.get(follower) ?? 0) + 1);
      maxId = Math.max(maxId, follower, followees[i] as number);
    }
    const filled = new Map<number, number>();
    for (const [user, count] of degree) {
      this.following.set(user, new Int32Array(count));
      filled.set(user, 0);
    }
    for (let i = 0; i < followers.length; i++) {
      const follower = followers[i] as number;
      const at = filled.get(follower) as number;
      (this.following.get(follower) as Int32Array)[at] = followees[i] as number;
      filled.set(follower, at + 1);
    }
    for (const list of this.following.values()) list.sort();
    this.strength = new Int32Array(maxId + 1);
    this.excluded = new Int32Array(maxId + 1);
  }

  /** Whom `user` follows, and not `user`: ranked by distinct two-step paths, then id. */
  suggestions(user: number, limit: number): Suggestion[] {
    const mine = this.following.get(user);
    if (!mine) return [];
    const stamp = ++this.stamp;
    this.excluded[user] = stamp;
    for (const followee of mine) this.excluded[followee] = stamp;
    const touched: number[] = [];
    for (const followee of mine) {
      const theirs = this.following.get(followee);
      if (!theirs) continue;
      for (const candidate of theirs) {
        if (this.excluded[candidate] === stamp) continue;
        if (this.strength[candidate] === 0) touched.push(candidate);
        this.strength[candidate] = (this.strength[candidate] as number) + 1;
      }
    }
    // Top-N by one pass with a small sorted array, then the scratch counts are cleared.
    const top: Suggestion[] = [];
    for (const userId of touched) {
      const strength = this.strength[userId] as number;
      this.strength[userId] = 0;
      const last = top.at(-1);
      if (top.length === limit && last && !ranksBefore(strength, userId, last)) continue;
      let at = top.length;
      while (at > 0 && ranksBefore(strength, userId, top[at - 1] as Suggestion)) at--;
      top.splice(at, 0, { userId, strength });
      if (top.length > limit) top.pop();
    }
    return top;
  }

  /** Users both follow, ascending, at most `limit`. */
  commonFollowing(user: number, other: number, limit: number): number[] {
    const theirs = new Set(this.following.get(other) ?? []);
    return [...(this.following.get(user) ?? [])].filter((id) => theirs.has(id)).slice(0, limit);
  }
}

const ranksBefore = (strength: number, userId: number, other: Suggestion) =>
  strength > other.strength || (strength === other.strength && userId < other.userId);

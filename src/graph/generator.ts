// Deterministic power-law follow graphs for the tests and the benchmark: the same seed
// gives the same graph, on any machine. Out-degrees follow a truncated Pareto law (most
// people follow a few accounts, a few follow thousands); whom they follow is chosen by
// preferential attachment to a power-law popularity, which gives the heavy-tailed
// follower counts of a real social network (a few accounts followed by a large share).

/** mulberry32: a small, fast 32-bit PRNG; uniform floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GraphShape {
  /** Users are numbered 0 .. users-1. */
  users: number;
  /** Mean number of accounts a user follows (the edges are about users x this). */
  averageFollowing: number;
  seed: number;
  /** The Pareto exponent of out-degrees; 2 to 3 is typical of social networks. */
  exponent?: number;
  /** The Pareto exponent of popularity (follower counts); lower is more concentrated. */
  popularityExponent?: number;
  /** Nobody follows more than this many accounts (and never more than users - 1). */
  maxFollowing?: number;
}

/** Edge i is followers[i] -> followees[i]; no self-edge, no pair twice. */
export interface GeneratedGraph {
  users: number;
  followers: Int32Array;
  followees: Int32Array;
}

export function generateGraph({
  users,
  averageFollowing,
  seed,
  exponent = 2.2,
  popularityExponent = 2.1,
  maxFollowing = 5000,
}: GraphShape): GeneratedGraph {
  if (!Number.isInteger(users) || users < 2) throw new RangeError('a graph needs at least two users');
  const random = mulberry32(seed);
  const cap = Math.min(users - 1, maxFollowing);

  // Out-degrees: Pareto draws, scaled so that their mean comes near averageFollowing.
  const raw = new Float64Array(users);
  let rawSum = 0;
  for (let user = 0; user < users; user++) {
    raw[user] = Math.min(cap, (1 - random()) ** (-1 / (exponent - 1)));
    rawSum += raw[user] as number;
  }
  // The cap clips the heaviest draws, so the scale is corrected a few times to meet the mean.
  const wanted = averageFollowing * users;
  const degrees = new Int32Array(users);
  let edges = 0;
  for (let round = 0, scale = wanted / rawSum; round < 4; round++, scale *= wanted / Math.max(1, edges)) {
    edges = 0;
    for (let user = 0; user < users; user++) {
      const degree = Math.min(cap, Math.round((raw[user] as number) * scale));
      degrees[user] = degree;
      edges += degree;
    }
  }

  // Whom they follow: drawn in proportion to each account's popularity, itself a Pareto
  // draw (Chung-Lu style preferential attachment), so a few accounts gather most follows.
  // Cumulative weights make each draw a binary search.
  const cumulative = new Float64Array(users);
  let total = 0;
  for (let user = 0; user < users; user++) {
    total += (1 - random()) ** (-1 / (popularityExponent - 1));
    cumulative[user] = total;
  }
  const draw = () => {
    const target = random() * total;
    let low = 0;
    let high = users - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((cumulative[middle] as number) <= target) low = middle + 1;
      else high = middle;
    }
    return low;
  };

  const followers = new Int32Array(edges);
  const followees = new Int32Array(edges);
  const chosen = new Set<number>();
  let edge = 0;
  for (let follower = 0; follower < users; follower++) {
    const degree = degrees[follower] as number;
    chosen.clear();
    for (let attempts = 0; chosen.size < degree && attempts < degree * 50 + 100; attempts++) {
      const followee = draw();
      if (followee !== follower) chosen.add(followee);
    }
    // A follower of nearly everyone in a small graph: take the rest in order from a random start.
    for (let k = 0, start = Math.floor(random() * users); chosen.size < degree; k++) {
      const followee = (start + k) % users;
      if (followee !== follower) chosen.add(followee);
    }
    for (const followee of chosen) {
      followers[edge] = follower;
      followees[edge] = followee;
      edge++;
    }
  }
  return { users, followers, followees };
}

// The demo world as plain data: who the people are, whom they follow, what they write,
// sell and buy. Everything comes from one seed number, so the same number gives the same
// world on any machine; the seed (seed.ts) then writes it through the services.
import { generateGraph, mulberry32 } from '../graph/generator.ts';

export interface Person {
  email: string;
  handle: string;
  name: string;
  bio: string;
  birthdate: string;
}

const POSTS_SPAN_MINUTES = 28 * 24 * 60;

export interface PostPlan {
  author: number;
  content: string;
  comments: { author: number; text: string }[];
  likers: number[];
  viewers: number[];
  /** How long before the seeding the post was written: spread over the last four weeks. */
  ageMinutes: number;
}

export interface ProductPlan {
  seller: number;
  name: string;
  priceCents: number;
  stock: number;
}

export interface World {
  people: Person[];
  /** Edge i: people[followers[i]] follows people[followees[i]]. */
  followers: Int32Array;
  followees: Int32Array;
  posts: PostPlan[];
  products: ProductPlan[];
  /** Buyer and indexes into products. */
  orders: { buyer: number; products: number[] }[];
  transfers: { from: number; to: number; amountCents: number }[];
  event: { organizer: number; name: string; seats: number; bookers: number[] };
  /** The three people whose log-ins are printed: they follow many, so their feeds are full. */
  demo: number[];
}

const FIRST = [
  'Ada',
  'Alan',
  'Amara',
  'Bea',
  'Carlos',
  'Chen',
  'Dara',
  'Elif',
  'Emil',
  'Fatima',
  'Grace',
  'Hugo',
  'Ines',
  'Ivan',
  'Jonas',
  'Kai',
  'Lena',
  'Luca',
  'Maya',
  'Mei',
  'Nadia',
  'Noah',
  'Olga',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sami',
  'Sofia',
  'Tariq',
  'Uma',
  'Vera',
  'Wen',
  'Yara',
  'Yusuf',
  'Zoe',
];
const LAST = [
  'Almeida',
  'Berg',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Hansen',
  'Ito',
  'Jensen',
  'Kowalski',
  'Larsen',
  'Moreau',
  'Nakamura',
  'Okafor',
  'Petrov',
  'Quispe',
  'Rossi',
  'Santos',
  'Tanaka',
  'Usman',
  'Varga',
  'Weber',
  'Xu',
  'Yilmaz',
  'Zhang',
];
const CRAFTS = [
  'baker',
  'cyclist',
  'data engineer',
  'gardener',
  'illustrator',
  'jazz pianist',
  'nurse',
  'photographer',
  'potter',
  'runner',
  'teacher',
  'translator',
  'woodworker',
  'birdwatcher',
  'chess player',
  'climber',
];
const PLACES = [
  'Lisbon',
  'Oslo',
  'Osaka',
  'Lagos',
  'Lima',
  'Lyon',
  'Pune',
  'Porto',
  'Quito',
  'Riga',
  'Seoul',
];
const TOPICS = [
  'sourdough',
  'the night train',
  'a new bike route',
  'tomato seedlings',
  'a film photo walk',
  'rainy Sunday jazz',
  'a chess opening',
  'the climbing gym',
  'a pottery glaze',
  'marathon training',
  'a used book shop',
  'PostgreSQL indexes',
  'a birdwatching morning',
  'homemade ramen',
  'a repair café',
];
const OPENINGS = [
  'Spent the morning on',
  'Finally tried',
  'Can anyone recommend tips for',
  'Small win today with',
  'Thinking a lot about',
  'Three things I learned from',
  'Photos coming soon of',
];
const COMMENTS = [
  'Love this!',
  'Where was this?',
  'Same here, great idea.',
  'Tell us more.',
  'Saving this for later.',
  'This made my day.',
  'How long did it take?',
  'Beautiful.',
  'I tried it too, worth it.',
];
const GOODS = [
  'Hand-thrown mug',
  'Sourdough starter kit',
  'Film camera strap',
  'Seed library box',
  'Walnut cutting board',
  'Bike repair kit',
  'Linen tote bag',
  'Chess set, travel size',
  'Jazz vinyl reissue',
  'Notebook, dot grid',
  'Ceramic planter',
  'Wool beanie',
];

export interface WorldShape {
  seed: number;
  people: number;
}

export function planWorld({ seed, people: count }: WorldShape): World {
  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const below = (n: number) => Math.floor(random() * n);

  const people: Person[] = [];
  for (let i = 0; i < count; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    people.push({
      email: `${first}.${last}.${i}@example.com`.toLowerCase(),
      handle: `${first}_${last}_${i}`.toLowerCase(),
      name: `${first} ${last}`,
      bio: `${pick(CRAFTS)} in ${pick(PLACES)}; into ${pick(TOPICS)}.`,
      birthdate: `${1960 + below(40)}-${String(1 + below(12)).padStart(2, '0')}-${String(1 + below(28)).padStart(2, '0')}`,
    });
  }

  // Power-law follows: most follow a few, a few follow many; a few are followed by most.
  const graph = generateGraph({ users: count, averageFollowing: 6, seed, maxFollowing: 150 });
  const following = new Int32Array(count);
  for (const follower of graph.followers) following[follower] = (following[follower] ?? 0) + 1;
  const demo = [...following.keys()].sort((a, b) => (following[b] ?? 0) - (following[a] ?? 0) || a - b);

  // Posts: one per person on average, half of them by the followed (they post more and are read more).
  const posts: PostPlan[] = [];
  const postCount = count;
  for (let p = 0; p < postCount; p++) {
    const author = random() < 0.5 ? (graph.followees[below(graph.followees.length)] ?? 0) : below(count);
    const comments = Array.from({ length: below(3) }, () => ({ author: below(count), text: pick(COMMENTS) }));
    // Views: most posts are seen by a few, some by many, so trending has a clear top.
    const reach = Math.floor(random() ** 6 * 40);
    const viewers = Array.from({ length: reach }, () => below(count));
    posts.push({
      author,
      content:
        `${pick(OPENINGS)} ${pick(TOPICS)}. ${random() < 0.3 ? `#${pick(PLACES).toLowerCase()}` : ''}`.trim(),
      comments,
      likers: viewers.filter(() => random() < 0.5),
      viewers,
      ageMinutes: below(POSTS_SPAN_MINUTES),
    });
  }

  // Several sellers, each with a few products.
  const sellers = Array.from({ length: Math.max(3, Math.round(count / 100)) }, () => below(count));
  const products = sellers.flatMap((seller) =>
    Array.from({ length: 2 + below(3) }, () => ({
      seller,
      name: pick(GOODS),
      priceCents: 500 + below(60) * 100,
      stock: 20 + below(80),
    })),
  );
  const orders = Array.from({ length: Math.max(5, Math.round(count / 40)) }, () => ({
    buyer: below(count),
    products: [...new Set(Array.from({ length: 1 + below(2) }, () => below(products.length)))],
  }));
  const transfers = Array.from({ length: Math.max(5, Math.round(count / 50)) }, () => ({
    from: below(count),
    to: below(count),
    amountCents: 100 + below(50) * 100,
  }));
  const event = {
    organizer: pick(sellers),
    name: `Meet-up in ${pick(PLACES)}`,
    seats: 60,
    bookers: [...new Set(Array.from({ length: 20 }, () => below(count)))],
  };
  return {
    people,
    followers: graph.followers,
    followees: graph.followees,
    posts,
    products,
    orders: orders.filter((order) => order.products.every((i) => products[i]?.seller !== order.buyer)),
    transfers: transfers.filter((transfer) => transfer.from !== transfer.to),
    event,
    demo: demo.slice(0, 3),
  };
}

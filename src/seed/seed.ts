// Demo content: writes the planned world (world.ts) through the platform's services, so
// that counters, timelines, the leaderboard and analytics are exactly what real use would
// leave. Idempotent: people are found again by email, follows are idempotent, and a
// person's posts, products, orders and transfers are written only in the run that created
// them; the operator account comes last and marks a finished seed.
import type { Platform } from '../app.ts';
import type { PricedLine, Product } from '../commerce/commerce.port.ts';
import { DEMO_OPERATOR_EMAIL } from '../config.ts';
import { AppError } from '../errors.ts';
import { planWorld, type World } from './world.ts';

/** Every demo person's password: the demo log-ins are printed, so nothing here is secret. */
export const DEMO_PASSWORD = 'demo-password-1234';
// The account that demo mode makes an operator (config.ts), so platform metrics can be tried.
export const OPERATOR = { email: DEMO_OPERATOR_EMAIL, password: 'operator-password-1234' } as const;
const OPERATOR_HANDLE = 'operator';

export interface SeedOptions {
  /** The seed number: the same number gives the same world. */
  seed: number;
  people: number;
  onProgress?: (done: number, total: number, stage: string) => void;
}

export interface LogIn {
  role: 'demo' | 'operator';
  email: string;
  handle: string;
  password: string;
}

export interface SeedReport {
  alreadySeeded: boolean;
  created: {
    people: number;
    follows: number;
    posts: number;
    comments: number;
    likes: number;
    views: number;
    products: number;
    orders: number;
    transfers: number;
    bookings: number;
  };
  /** Why a part of the world was left out, in a sentence each. */
  skipped: string[];
  logIns: LogIn[];
}

/**
 * An order line for a product at its current price. The one place that says what a line
 * carries: when the API asks for the price the buyer saw, it is added here.
 */
// The buyer expects the price the product has now, as a client that just showed it would.
const orderLine = (product: Product, quantity: number): PricedLine => ({
  product_id: product.id,
  quantity,
  expected_unit_price_cents: product.price_cents,
});

/** Runs `work` on every item, `limit` at a time (PGlite queues them; PostgreSQL runs them side by side). */
async function each<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The seed number and size `npm start` seeds the first time: the same every time, so its log-ins are known. */
export const DEFAULT_WORLD = { seed: 1, people: 1000 } as const;

/** The log-ins a world's seed prints: its most-followed people, then the operator. */
function logInsOf(world: World): LogIn[] {
  return [
    ...world.demo.map((i) => ({
      role: 'demo' as const,
      email: world.people[i]?.email ?? '',
      handle: world.people[i]?.handle ?? '',
      password: DEMO_PASSWORD,
    })),
    { role: 'operator', email: OPERATOR.email, handle: OPERATOR_HANDLE, password: OPERATOR.password },
  ];
}

/**
 * A world's log-ins (by default the one `npm start` seeds) whose accounts exist here (none before a seed, or after a seed
 * of another world). Planning the world takes about 0.1 s: done once, on first use.
 */
export function demoLogIns(
  accounts: Pick<Platform['services']['accounts'], 'search'>,
  world: { seed: number; people: number } = DEFAULT_WORLD,
) {
  let known: LogIn[] | undefined;
  return async (): Promise<LogIn[]> => {
    if (known) return known;
    const candidates = logInsOf(planWorld(world));
    const found = await Promise.all(
      candidates.map(async (logIn) =>
        (await accounts.search(logIn.handle, 5)).some((person) => person.handle === logIn.handle),
      ),
    );
    const present = candidates.filter((_, i) => found[i]);
    // Remembered once the seed has finished (its operator exists); until then asked again.
    if (present.some((logIn) => logIn.role === 'operator')) known = present;
    return present;
  };
}

/** Follows per transaction: large enough to pay little per edge, small enough to hold the database briefly. */
const FOLLOW_BATCH = 500;

const isConflict = (error: unknown) => error instanceof AppError && error.status === 409;

export async function seedDemo(platform: Platform, options: SeedOptions): Promise<SeedReport> {
  const { accounts, sessions, graph, commerce } = platform.services;
  const world = planWorld({ seed: options.seed, people: options.people });
  // Posts are dated back from now, over the last weeks (world.ts plans how long ago).
  const seededAt = Date.now();
  const report: SeedReport = {
    alreadySeeded: false,
    created: {
      people: 0,
      follows: 0,
      posts: 0,
      comments: 0,
      likes: 0,
      views: 0,
      products: 0,
      orders: 0,
      transfers: 0,
      bookings: 0,
    },
    skipped: ['reposts: the platform has no reposts yet'],
    logIns: logInsOf(world),
  };
  const findByHandle = async (handle: string) =>
    (await accounts.search(handle, 5)).find((person) => person.handle === handle)?.id;
  if ((await findByHandle(OPERATOR_HANDLE)) !== undefined) return { ...report, alreadySeeded: true };

  const total = world.people.length + world.followers.length + world.posts.length + world.products.length + 1;
  let done = 0;
  const step = (stage: string, n = 1) => {
    done += n;
    options.onProgress?.(done, total, stage);
  };

  // People: found again by handle when an earlier, interrupted run made them.
  const ids: number[] = new Array(world.people.length);
  const fresh = new Set<number>();
  await each(world.people, 8, async (person, i) => {
    try {
      const account = await accounts.signUp({ ...person, password: DEMO_PASSWORD });
      ids[i] = account.id;
      fresh.add(i);
      report.created.people++;
    } catch (error) {
      const id = isConflict(error) ? await findByHandle(person.handle) : undefined;
      if (id === undefined) throw error;
      ids[i] = id;
    }
    step('people');
  });
  const id = (i: number) => ids[i] as number;

  // In batches: one transaction per batch instead of one per edge, with the same counters.
  const edges = [...world.followers.keys()].map((edge) => ({
    followerId: id(world.followers[edge] as number),
    followeeId: id(world.followees[edge] as number),
  }));
  for (let from = 0; from < edges.length; from += FOLLOW_BATCH) {
    const batch = edges.slice(from, from + FOLLOW_BATCH);
    const created = await graph.followMany(batch);
    report.created.follows += created;
    step('follows', batch.length);
  }
  // The demo people sign in now, so the posts below are fanned out to their timelines.
  for (const i of world.demo)
    await sessions.logIn({
      email: world.people[i]?.email ?? '',
      password: DEMO_PASSWORD,
      address: '127.0.0.1',
    });

  await each(world.posts, 4, async (plan) => {
    if (fresh.has(plan.author)) await writePost(platform, plan, id, report, seededAt);
    step('posts');
  });

  // Indexed like world.products; empty where an earlier run made the seller (and the product).
  const products: (Product | undefined)[] = new Array(world.products.length);
  await each(world.products, 4, async (plan, i) => {
    if (fresh.has(plan.seller)) {
      const product = await commerce.createProduct(id(plan.seller), {
        name: plan.name,
        price_cents: plan.priceCents,
        stock: plan.stock,
      });
      products[i] = product;
      report.created.products++;
    }
    step('products');
  });

  if (commerce.demoMode) await moveMoney(platform, world, id, fresh, products, report);
  else report.skipped.push('orders, transfers and seats: DEMO_MODE is off, so there is no play money');

  // Last: the operator's account marks the seed as finished.
  await accounts.signUp(
    {
      email: OPERATOR.email,
      password: OPERATOR.password,
      name: 'Operator',
      birthdate: '1980-01-01',
      handle: OPERATOR_HANDLE,
    },
    { demoOperator: true },
  );
  report.created.people++;
  step('operator');
  // The views are buffered: written now, so that trending ranks them at once.
  await platform.analytics.flush();
  return report;
}

async function writePost(
  platform: Platform,
  plan: World['posts'][number],
  id: (i: number) => number,
  report: SeedReport,
  seededAt: number,
) {
  const { posts, analytics } = platform.services;
  const post = await posts.create(
    id(plan.author),
    { content: plan.content },
    { at: new Date(seededAt - plan.ageMinutes * 60_000) },
  );
  report.created.posts++;
  for (const comment of plan.comments) {
    await posts.addComment(id(comment.author), post.id, comment.text);
    report.created.comments++;
  }
  // Most posts are seen by nobody: those cost no call. Each count is added after its await,
  // since other posts are being written meanwhile.
  if (plan.likers.length) {
    const liked = await posts.likeMany([...new Set(plan.likers)].map(id), post.id);
    report.created.likes += liked;
  }
  if (plan.viewers.length) {
    const counted = await analytics.viewsOf(post.id, [...new Set(plan.viewers)].map(id));
    report.created.views += counted;
  }
}

/** Play money (demo mode only): deposits, a few orders, transfers and seat bookings. */
async function moveMoney(
  platform: Platform,
  world: World,
  id: (i: number) => number,
  fresh: Set<number>,
  products: (Product | undefined)[],
  report: SeedReport,
) {
  const { commerce } = platform.services;
  for (const [n, order] of world.orders.entries()) {
    if (!fresh.has(order.buyer)) continue;
    const lines = order.products.flatMap((i) => {
      const product = products[i];
      return product && product.seller_id !== id(order.buyer) ? [orderLine(product, 1)] : [];
    });
    if (!lines.length) continue;
    await commerce.deposit(id(order.buyer), 50_000);
    await commerce.placeOrder(id(order.buyer), lines, `seed-order-${n}`);
    report.created.orders++;
  }
  for (const [n, transfer] of world.transfers.entries()) {
    if (!fresh.has(transfer.from)) continue;
    await commerce.deposit(id(transfer.from), transfer.amountCents);
    await commerce.transfer(id(transfer.from), {
      to_user_id: id(transfer.to),
      amount_cents: transfer.amountCents,
      idempotency_key: `seed-transfer-${n}`,
    });
    report.created.transfers++;
  }
  if (!fresh.has(world.event.organizer)) return;
  const event = await commerce.createEvent(id(world.event.organizer), {
    name: world.event.name,
    seats: world.event.seats,
  });
  for (const [seat, booker] of world.event.bookers.entries()) {
    await commerce.bookSeat(id(booker), event.id, seat + 1);
    report.created.bookings++;
  }
}

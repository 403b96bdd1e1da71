// The article's ACID case at speed: orders per second (stock taken, order and items written,
// buyer debited, sellers credited, payment and ledger recorded, all in one transaction)
// with 32 concurrent clients on the real PostgreSQL, next to pgbench's built-in TPC-B-like
// transaction measured in the same run on the same server (`pgbench -i -s 32`, then
// `-c 32 -j 2`: 32 branches, so its clients do not all queue on one branch row). The
// ratio is the claim (target: at least 0.5). Rows written per second stand beside it, as an
// order writes about three times the rows of a TPC-B transaction (which writes 4: three
// updates and one insert): the orders' rows are PostgreSQL's own count of tuples inserted,
// updated and deleted (pg_stat_user_tables) over the timed run. The embedded PGlite figure is
// for information: it runs one transaction at a time whatever the number of clients.
//
//   --seconds N (COMMERCE_BENCH_SECONDS)  how long each measurement runs (default 15, as pgbench -T 15)
//   PGBENCH                               the pgbench binary (default: pgbench on PATH, else PostgreSQL 15's)
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { v7 } from 'uuid';
import type { CommercePort, PricedLine, Product } from '../src/commerce/commerce.port.ts';
import { createPostgresCommerce } from '../src/commerce/commerce.postgres.ts';
import { migrate } from '../src/engines/migrate.ts';
import { openPglite } from '../src/engines/pglite.ts';
import { openPostgres } from '../src/engines/postgres.ts';
import type { SqlDatabase } from '../src/engines/sql.ts';
import { type BenchOptions, pick } from './support/options.ts';
import { round, type Target, target, versions, writeResults } from './support/results.ts';
import { createScratchDatabase } from './support/scratch-database.ts';

const run$ = promisify(execFile);

const CLIENTS = 32;
const BUYERS = 2000;
const SELLERS = 200;
const PRODUCTS_PER_SELLER = 5;
const FUNDS_CENTS = 1_000_000_000;
/** TPC-B's transaction: three balances updated, one history row inserted. */
const TPCB_ROWS = 4;

function pgbenchBinary(): string {
  if (process.env.PGBENCH) return process.env.PGBENCH;
  const onPath = (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((dir) => path.join(dir, 'pgbench'))
    .find((file) => fs.existsSync(file));
  return onPath ?? '/usr/lib/postgresql/15/bin/pgbench';
}

/** Buyers and sellers straight in SQL (no argon2 per user: wallets come from the trigger), then products and deposits. */
async function load(db: SqlDatabase, commerce: CommercePort) {
  const users = await db.query<{ id: number }>(
    `INSERT INTO users (email, email_normalized, password_hash, birthdate)
     SELECT 'bench' || g || '@example.com', 'bench' || g || '@example.com', '$argon2id$bench', DATE '1990-01-01'
     FROM generate_series(1, $1::int) g
     RETURNING id`,
    [BUYERS + SELLERS],
  );
  const ids = users.map((user) => user.id);
  const sellers = ids.slice(0, SELLERS);
  const buyers = ids.slice(SELLERS);
  const products: Product[] = [];
  for (const sellerId of sellers) {
    for (let i = 0; i < PRODUCTS_PER_SELLER; i++) {
      products.push(
        await commerce.createProduct({
          id: v7(),
          sellerId,
          name: `Bench product ${sellerId}-${i}`,
          priceCents: 100 + ((sellerId * 7 + i * 13) % 900),
          stock: 1_000_000,
        }),
      );
    }
  }
  // Deposits through the port, so the ledger balances from the first cent.
  for (const buyerId of buyers) await commerce.deposit(v7(), buyerId, FUNDS_CENTS);
  return { buyers, products };
}

/** 1-3 distinct random products of other sellers, 1-2 of each. */
function randomLines(products: Product[]): PricedLine[] {
  const count = 1 + Math.floor(Math.random() * 3);
  const chosen = new Map<string, PricedLine>();
  while (chosen.size < count) {
    const product = products[Math.floor(Math.random() * products.length)] as Product;
    chosen.set(product.id, {
      product_id: product.id,
      quantity: 1 + Math.floor(Math.random() * 2),
      expected_unit_price_cents: product.price_cents,
    });
  }
  return [...chosen.values()];
}

type Loaded = Awaited<ReturnType<typeof load>>;

/** Orders per second with `clients` in flight for `seconds`; every order must succeed. */
async function measureOrders(
  db: SqlDatabase,
  { buyers, products }: Loaded,
  clients: number,
  seconds: number,
) {
  const commerce = createPostgresCommerce(db);
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const buyerId = buyers[Math.floor(Math.random() * buyers.length)] as number;
        const t0 = performance.now();
        const result = await commerce.placeOrder({
          id: v7(),
          buyerId,
          lines: randomLines(products),
          idempotencyKey: v7(),
        });
        if (!result.ok) throw new Error(`order refused: ${result.reason}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const audit = await commerce.auditLedger();
  if (audit.mismatchedWallets.length || audit.unbalancedMovements.length) {
    throw new Error('the ledger does not balance after the benchmark');
  }
  return {
    orders: latencies.length,
    per_second: Math.round(latencies.length / elapsed),
    p50_ms: Math.round(at(0.5) * 100) / 100,
    p99_ms: Math.round(at(0.99) * 100) / 100,
  };
}

/**
 * Tuples inserted, updated and deleted in the database so far, once every backend that wrote
 * has reported them (a backend reports at exit, or within a second while running): read until
 * two reads 300 ms apart agree.
 */
async function settledRowWrites(url: string): Promise<number> {
  const probe = openPostgres({ url, max: 1 });
  try {
    let last = -1;
    for (let attempt = 0; attempt < 30; attempt++) {
      const [row] = await probe.query<{ n: number }>(
        'SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::float8 AS n FROM pg_stat_user_tables',
      );
      if (row?.n === last) return last;
      last = row?.n ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return last;
  } finally {
    await probe.close();
  }
}

/** Orders on the PostgreSQL at `url` (loaded first, through a pool closed before the timed run), with the rows they wrote. */
async function ordersOnPostgres(url: string, seconds: number) {
  const open = () => openPostgres({ url, max: CLIENTS, applicationName: 'polyglot-bench' });
  let db = open();
  let loaded: Loaded;
  try {
    await migrate(db);
    loaded = await load(db, createPostgresCommerce(db));
  } finally {
    await db.close();
  }
  const before = await settledRowWrites(url);
  db = open();
  let figures: Awaited<ReturnType<typeof measureOrders>>;
  try {
    figures = await measureOrders(db, loaded, CLIENTS, seconds);
  } finally {
    await db.close();
  }
  const rowsPerOrder = ((await settledRowWrites(url)) - before) / Math.max(1, figures.orders);
  return {
    ...figures,
    rows_per_order: round(rowsPerOrder, 1),
    rows_per_second: Math.round(figures.per_second * rowsPerOrder),
  };
}

/** pgbench's TPC-B-like tps, excluding connection time, on a scratch database of its own. */
async function pgbenchTps(url: string, seconds: number): Promise<number> {
  const binary = pgbenchBinary();
  await run$(binary, ['-i', '-s', String(CLIENTS), '-q', url], { maxBuffer: 16 * 1024 * 1024 });
  const { stdout } = await run$(
    binary,
    ['-c', String(CLIENTS), '-j', '2', '-T', String(seconds), '-n', url],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
  if (!match) throw new Error(`could not read pgbench's tps from:\n${stdout}`);
  return Number(match[1]);
}

export async function run(options: BenchOptions) {
  const seconds = pick(options.seconds, 'COMMERCE_BENCH_SECONDS', 15);
  console.log(
    `  ${CLIENTS} clients, ${seconds} s each; ${BUYERS} buyers, ${SELLERS * PRODUCTS_PER_SELLER} products`,
  );
  const engines: Record<string, string> = {};
  const figures: Record<string, unknown> = {};
  const ratios: Record<string, number> = {};
  const targets: Record<string, Target> = {};
  let rowsPerOrder: number | undefined;
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const orders = await createScratchDatabase(serverUrl, 'commerce');
    const tpcb = await createScratchDatabase(serverUrl, 'pgbench');
    try {
      const measured = await ordersOnPostgres(orders.url, seconds);
      rowsPerOrder = measured.rows_per_order;
      const tps = await pgbenchTps(tpcb.url, seconds);
      const pgbench = {
        per_second: Math.round(tps),
        rows_per_order: TPCB_ROWS,
        rows_per_second: Math.round(tps * TPCB_ROWS),
      };
      const probe = openPostgres({ url: orders.url, max: 1 });
      engines.postgresql = await versions.sql(probe);
      await probe.close();
      console.table({ 'PostgreSQL: orders': measured, 'PostgreSQL: pgbench TPC-B-like': pgbench });
      figures.postgresql = { orders: measured, pgbench_tpcb: pgbench };
      const ratio = measured.per_second / tps;
      const rowsRatio = measured.rows_per_second / pgbench.rows_per_second;
      ratios['orders/s / pgbench tps'] = round(ratio);
      ratios['order rows/s / pgbench rows/s'] = round(rowsRatio);
      targets['orders/s / pgbench TPC-B tps'] = target.atLeast(ratio, 0.5);
      console.log(
        `  orders/s ÷ pgbench tps = ${ratio.toFixed(2)}; rows/s ÷ pgbench rows/s = ${rowsRatio.toFixed(2)}`,
      );
    } finally {
      await orders.drop();
      await tpcb.drop();
    }
  } else {
    console.log('  PostgreSQL: skipped (DATABASE_URL is not set); the ratio needs it');
  }

  // For information: the embedded default, where every transaction waits its turn.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyglot-bench-'));
  try {
    const pglite = await openPglite({ dataDir });
    try {
      await migrate(pglite);
      engines.pglite = await versions.pglite(pglite);
      const loaded = await load(pglite, createPostgresCommerce(pglite));
      const measured = await measureOrders(pglite, loaded, CLIENTS, Math.min(seconds, 10));
      // PGlite's one backend: its rows per order are the server's, measured above when it ran.
      const embedded = rowsPerOrder
        ? { ...measured, rows_per_second: Math.round(measured.per_second * rowsPerOrder) }
        : measured;
      console.table({ 'PGlite (embedded): orders': embedded });
      figures.pglite = { orders: embedded };
    } finally {
      await pglite.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  writeResults('commerce', { engines, figures, ratios, targets }, options);
}

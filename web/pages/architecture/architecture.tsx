// The architecture, made visible: each role as a card naming the engine serving it now, a live
// health dot, its consistency choice (CP or AP) and why, and what happens when its store is
// down; for an operator, per-route latency over the last hour; for everyone, the measured
// trade-offs from the benchmark runs, each with the machine and date it was measured on.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, ok } from '../../api/client';
import { useSession } from '../../api/session';
import type {
  Architecture as ArchitectureReply,
  Benchmark as BenchmarkReply,
  EndpointMetrics,
  Health,
} from '../../api/types';
import { type Bar, BarChart, LineChart } from '../../components/charts';
import { useLoad } from '../../components/load';
import { Empty, Failed, Skeleton } from '../../components/states';

const HEALTH_EVERY_MS = 5000;

/** /healthz, asked again every few seconds; a 503 is a reply too (it names the failing roles). */
function useHealth(): Health | null {
  const [health, setHealth] = useState<Health | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    let live = true;
    const ask = async () => {
      try {
        const response = await fetch('/healthz');
        if (live) setHealth((await response.json()) as Health);
      } catch {
        if (live) setHealth(null);
      }
      if (live) timer = setTimeout(ask, HEALTH_EVERY_MS);
    };
    void ask();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, []);
  return health;
}

function Roles({ architecture, health }: { architecture: ArchitectureReply; health: Health | null }) {
  return (
    <ul class="roles" aria-label="Roles">
      {architecture.roles.map((role) => {
        const probe = health?.roles[role.role];
        const state = probe === undefined ? 'unknown' : probe.ok ? 'healthy' : 'down';
        return (
          <li key={role.role} class="role" aria-label={`${role.role} role`}>
            <h3>
              <span>{role.role}</span>
              <span class="tag" title={role.consistency === 'CP' ? 'consistent first' : 'available first'}>
                {role.consistency}
              </span>
            </h3>
            <p>
              <span
                class={`dot ${state === 'healthy' ? 'up' : state === 'down' ? 'down' : ''}`}
                aria-hidden="true"
              />
              <b>{role.engine ?? 'not configured'}</b>{' '}
              <span data-health={state}>
                {state}
                {probe?.ok ? ` (${probe.latency_ms} ms)` : ''}
              </span>
            </p>
            <p>{role.why}</p>
            <p>
              <b>When its store is down:</b> {role.when_down}
            </p>
            <p class="hint">Scales to: {role.scales_to}</p>
          </li>
        );
      })}
    </ul>
  );
}

/** Per-route latency (p50, p95, p99) over the last hour, for operators only (others get 403). */
function Latency() {
  const metrics = useLoad(
    () => ok(api.GET('/api/v1/metrics/endpoints', { params: { query: { window: '1h', every: '5m' } } })),
    [],
  );
  const [route, setRoute] = useState<string | null>(null);
  if (metrics.state.status === 'loading') return <Skeleton lines={1} label="Loading latency" />;
  if (metrics.state.status === 'failed') {
    const error = metrics.state.error;
    if (error instanceof ApiError && error.status === 403) return null;
    return <Failed error={error} retry={metrics.reload} />;
  }
  // The API's routes: pages and assets are the UI's files, not the platform's work.
  const busiest = metrics.state.data.items
    .filter((item) => item.route.startsWith('/api/'))
    .map((item) => ({ ...item, total: item.buckets.reduce((sum, b) => sum + b.count, 0) }))
    .sort((a, b) => b.total - a.total)
    .slice(0, 12);
  const key = (item: EndpointMetrics['items'][number]) => `${item.method} ${item.route}`;
  const chosen = busiest.find((item) => key(item) === route) ?? busiest[0];
  return (
    <section aria-labelledby="latency-title">
      <h2 id="latency-title">Latency per route (last hour, operator view)</h2>
      {!chosen ? (
        <Empty title="No requests recorded in the last hour yet" />
      ) : (
        <>
          <label for="latency-route">Route</label>{' '}
          <select
            id="latency-route"
            value={key(chosen)}
            onChange={(event) => setRoute(event.currentTarget.value)}
          >
            {busiest.map((item) => (
              <option key={key(item)} value={key(item)}>
                {key(item)} ({item.total} requests)
              </option>
            ))}
          </select>
          <figure>
            <LineChart
              title={`Latency of ${key(chosen)} over the last hour`}
              unit=" ms"
              series={(['p50_ms', 'p95_ms', 'p99_ms'] as const).map((field) => ({
                name: field.replace('_ms', ''),
                points: chosen.buckets.map((b) => ({ at: Date.parse(b.bucket), value: b[field] })),
              }))}
            />
            <figcaption>
              {key(chosen)}: p50, p95 and p99 in {metrics.state.data.every} buckets, from the analytics role.
            </figcaption>
          </figure>
        </>
      )}
    </section>
  );
}

/** What a benchmark's JSON holds (its figures differ per benchmark). */
interface BenchItem extends BenchmarkReply {
  report: {
    date?: string;
    machine?: { cpu?: string; cores?: number; memory_gib?: number; node?: string };
    ratios?: Record<string, number>;
    targets?: Record<string, { goal: string; value: number; met: boolean }>;
    figures?: unknown;
  };
}

/** Numeric leaves of a report's figures, as "a / b / c" labels: what a benchmark measured. */
function leaves(value: unknown, prefix = ''): Bar[] {
  if (typeof value === 'number') return [{ label: prefix, value }];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix} / ${k}` : k));
}

function Benchmark({ item }: { item: BenchItem }) {
  const { report } = item;
  const ratios = Object.entries(report.ratios ?? {})
    .filter(([, v]) => typeof v === 'number')
    .map(([label, value]) => ({ label, value }));
  const figures = leaves(report.figures).filter((bar) => /per_second|\/s|ops|p50|p95|p99/.test(bar.label));
  const machine = report.machine;
  return (
    <figure>
      <h3>{item.name}</h3>
      {ratios.length > 0 ? (
        <BarChart
          title={`${item.name}: ratios against the baseline measured in the same run`}
          bars={ratios}
          unit="×"
        />
      ) : figures.length > 0 ? (
        <BarChart title={`${item.name}: measured figures`} bars={figures.slice(0, 12)} />
      ) : (
        <p>No figures in this run.</p>
      )}
      {report.targets && (
        <ul>
          {Object.entries(report.targets).map(([name, target]) => (
            <li key={name}>
              {target.met ? '✓ met' : '✗ not met'}: {name}, {target.goal} (measured {target.value})
            </li>
          ))}
        </ul>
      )}
      <figcaption>
        {item.source === 'results' ? 'Measured on this machine' : 'Reference run'}
        {report.date ? ` on ${new Date(report.date).toLocaleString()}` : ''}
        {machine
          ? `: ${machine.cores ?? '?'} cores ${machine.cpu ?? ''}, ${machine.memory_gib ?? '?'} GiB, Node ${machine.node ?? '?'}`
          : ''}
        . Run it again: <code>npm run bench -- {item.name}</code>
      </figcaption>
    </figure>
  );
}

function Benchmarks() {
  const bench = useLoad(async () => (await ok(api.GET('/api/v1/benchmarks'))).items as BenchItem[], []);
  return (
    <section aria-labelledby="tradeoffs-title">
      <h2 id="tradeoffs-title">Measured trade-offs</h2>
      {bench.state.status === 'loading' && <Skeleton lines={1} label="Loading benchmark results" />}
      {bench.state.status === 'failed' && <Failed error={bench.state.error} retry={bench.reload} />}
      {bench.state.status === 'ready' &&
        (bench.state.data.length === 0 ? (
          <Empty title="Not measured yet">
            <p>
              <code>npm run bench</code> measures the feed strategies, suggestions, orders and analytics
              ingest on this machine; the charts appear here.
            </p>
          </Empty>
        ) : (
          bench.state.data.map((item) => <Benchmark key={item.name} item={item} />)
        ))}
    </section>
  );
}

export default function Architecture() {
  const { me } = useSession();
  const architecture = useLoad(() => ok(api.GET('/api/v1/architecture')), []);
  const health = useHealth();
  return (
    <>
      <h1>Architecture</h1>
      <p>
        Every kind of data lives on the store that fits it. Each role below names the engine serving it right
        now
        {health
          ? health.status === 'ok'
            ? ': all healthy.'
            : `; failing: ${health.failing.join(', ')}.`
          : '.'}
      </p>
      <h2>Roles and their engines</h2>
      {architecture.state.status === 'loading' && <Skeleton lines={2} label="Loading the architecture" />}
      {architecture.state.status === 'failed' && (
        <Failed error={architecture.state.error} retry={architecture.reload} />
      )}
      {architecture.state.status === 'ready' && (
        <Roles architecture={architecture.state.data} health={health} />
      )}
      {architecture.state.status === 'ready' && (
        <p class="hint">The choices follow “{architecture.state.data.source}”.</p>
      )}
      {health && (
        <figure>
          <BarChart
            title="Probe round trip per role, in milliseconds"
            unit=" ms"
            bars={Object.entries(health.roles).map(([role, probe]) => ({
              label: `${role} (${probe.engine})`,
              value: probe.latency_ms,
            }))}
          />
          <figcaption>
            Each role's store answering a health probe now, refreshed every few seconds.
          </figcaption>
        </figure>
      )}
      {me && <Latency />}
      <Benchmarks />
    </>
  );
}

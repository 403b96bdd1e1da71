// Two small charts drawn as SVG, no library: horizontal bars and lines over time. Every value
// is written as text beside its mark, and lines differ by dash pattern too, so no chart is
// read by colour alone.

const COLOURS = ['var(--accent)', 'var(--ok)', 'var(--danger)', 'var(--warn)'];
const DASHES = ['', '6 3', '2 3', '10 4 2 4'];

const short = (n: number) =>
  Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en') : Number(n.toPrecision(3)).toLocaleString('en');

export interface Bar {
  label: string;
  value: number;
}

export function BarChart({ bars, unit = '', title }: { bars: Bar[]; unit?: string; title: string }) {
  const rowHeight = 26;
  const labelWidth = 210;
  const width = 560;
  const max = Math.max(...bars.map((bar) => Math.abs(bar.value)), 1e-9);
  const room = width - labelWidth - 70;
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${bars.length * rowHeight + 8}`} role="img" aria-label={title}>
      <title>{title}</title>
      {bars.map((bar, i) => {
        const y = i * rowHeight + 4;
        const length = Math.max(2, (Math.abs(bar.value) / max) * room);
        return (
          <g key={bar.label}>
            <text x={labelWidth - 8} y={y + 15} text-anchor="end">
              {bar.label.length > 34 ? `${bar.label.slice(0, 33)}…` : bar.label}
            </text>
            <rect x={labelWidth} y={y + 3} width={length} height={rowHeight - 10} rx="3" fill={COLOURS[0]} />
            <text x={labelWidth + length + 6} y={y + 15}>
              {short(bar.value)}
              {unit}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export interface Series {
  name: string;
  points: Array<{ at: number; value: number }>;
}

export function LineChart({ series, unit = '', title }: { series: Series[]; unit?: string; title: string }) {
  const width = 560;
  const height = 220;
  const pad = { left: 48, right: 12, top: 10, bottom: 46 };
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return null;
  const minX = Math.min(...all.map((p) => p.at));
  const maxX = Math.max(...all.map((p) => p.at), minX + 1);
  const maxY = Math.max(...all.map((p) => p.value), 1e-9);
  const x = (at: number) => pad.left + ((at - minX) / (maxX - minX)) * (width - pad.left - pad.right);
  const y = (value: number) => height - pad.bottom - (value / maxY) * (height - pad.top - pad.bottom);
  const time = (at: number) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
      <title>{title}</title>
      <line
        class="axis"
        x1={pad.left}
        x2={width - pad.right}
        y1={height - pad.bottom}
        y2={height - pad.bottom}
      />
      <line class="axis" x1={pad.left} x2={pad.left} y1={pad.top} y2={height - pad.bottom} />
      <text x={pad.left - 4} y={pad.top + 8} text-anchor="end">
        {short(maxY)}
        {unit}
      </text>
      <text x={pad.left - 4} y={height - pad.bottom} text-anchor="end">
        0
      </text>
      <text x={pad.left} y={height - pad.bottom + 14}>
        {time(minX)}
      </text>
      <text x={width - pad.right} y={height - pad.bottom + 14} text-anchor="end">
        {time(maxX)}
      </text>
      {series.map((s, i) => {
        const d = s.points
          .map((p, j) => `${j ? 'L' : 'M'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`)
          .join(' ');
        const last = s.points.at(-1);
        return (
          <g key={s.name}>
            <path
              d={d}
              fill="none"
              stroke={COLOURS[i % 4]}
              stroke-width="2"
              stroke-dasharray={DASHES[i % 4]}
            />
            {s.points.length === 1 && last && (
              <circle cx={x(last.at)} cy={y(last.value)} r="3" fill={COLOURS[i % 4]} />
            )}
          </g>
        );
      })}
      {series.map((s, i) => {
        const last = s.points.at(-1);
        const lx = pad.left + i * 130;
        return (
          <g key={`legend-${s.name}`}>
            <line
              x1={lx}
              x2={lx + 22}
              y1={height - 14}
              y2={height - 14}
              stroke={COLOURS[i % 4]}
              stroke-width="2"
              stroke-dasharray={DASHES[i % 4]}
            />
            <text x={lx + 26} y={height - 10}>
              {s.name} {last ? `${short(last.value)}${unit}` : ''}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

// Request and reply schemas of the analytics routes.
import { Type } from 'typebox';
import { Limit } from '../http/schemas.ts';
import { TimelineItemReply } from '../posts/posts.schemas.ts';
import { VIEWS_RETENTION_HOURS } from './analytics.port.ts';

export const ViewReply = Type.Object(
  { counted: Type.Boolean({ description: 'false when it repeats your view of this post within 5 minutes' }) },
  { title: 'View' },
);

export const TrendingQuery = Type.Object(
  {
    hours: Type.Integer({ minimum: 1, maximum: VIEWS_RETENTION_HOURS, default: 24 }),
    limit: Limit,
  },
  { additionalProperties: false },
);

export const TrendingReply = Type.Object({
  items: Type.Array(
    Type.Object(
      { ...TimelineItemReply.properties, views: Type.Integer({ description: 'views in the window' }) },
      { title: 'TrendingItem' },
    ),
  ),
  next_cursor: Type.Null({ description: 'a ranked list: always null' }),
});

const Duration = (description: string, fallback: string) =>
  Type.String({ pattern: '^[1-9][0-9]{0,6}[smhd]$', maxLength: 8, default: fallback, description });

export const EndpointMetricsQuery = Type.Object(
  {
    window: Duration('how far back: 15m, 1h, 7d (at most 7d)', '1h'),
    every: Duration('bucket length: 1m, 5m (at least 10s, at most 1000 buckets)', '5m'),
  },
  { additionalProperties: false },
);

const Bucket = Type.Object({
  bucket: Type.String({ format: 'date-time', description: 'start; aligned to multiples of `every`' }),
  count: Type.Integer(),
  error_rate: Type.Number({ description: 'share of 5xx answers, 0 to 1' }),
  mean_ms: Type.Number(),
  p50_ms: Type.Number(),
  p95_ms: Type.Number(),
  p99_ms: Type.Number(),
});

export const EndpointMetricsReply = Type.Object(
  {
    window: Type.String(),
    every: Type.String(),
    items: Type.Array(
      Type.Object({
        route: Type.String({ description: 'the route pattern, e.g. /api/v1/posts/:id' }),
        method: Type.String(),
        buckets: Type.Array(Bucket, { description: 'oldest first; buckets without requests are left out' }),
      }),
    ),
  },
  { title: 'EndpointMetrics' },
);

// Events and seat bookings on PostgreSQL: a seat row holds its booking, so a seat is booked
// at most once by construction. Events per organizer per day are counted here, in the
// database, so the bound holds across processes and whatever the cache does.
import type { SqlDatabase } from '../engines/sql.ts';
import type { BookingResult, CommercePort, NewEventResult, SeatedEvent } from './commerce.port.ts';
import { inTransaction, iso, refuse } from './transactions.ts';

interface EventRow extends Omit<SeatedEvent, 'created_at'> {
  created_at: Date;
}

const toEvent = (row: EventRow): SeatedEvent => ({
  ...row,
  free_seats: row.free_seats ?? [],
  created_at: iso(row.created_at),
});

export function createSeatsPostgres(db: SqlDatabase) {
  return {
    createEvent: ({ id, organizerId, name, seats, maxPerDay }) =>
      inTransaction(db, async (tx): Promise<NewEventResult> => {
        // One organizer's creations take turns (a lock per organizer, held to the commit), so
        // concurrent requests, from any process, cannot all pass the count below.
        await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('events:' || $1::text, 0))", [
          organizerId,
        ]);
        // The maxPerDay-th newest event of the last 24 hours, if there is one: the organizer may
        // create another once it has left the window.
        const [limiting] = await tx.query<{ retry_after: number }>(
          `SELECT ceil(extract(epoch FROM created_at + interval '1 day' - now()))::int AS retry_after
           FROM events WHERE organizer_id = $1 AND created_at > now() - interval '1 day'
           ORDER BY created_at DESC OFFSET $2::int - 1 LIMIT 1`,
          [organizerId, maxPerDay],
        );
        if (limiting) {
          return refuse({
            ok: false,
            reason: 'daily_limit',
            retryAfterSeconds: Math.max(1, limiting.retry_after),
          });
        }
        const [row] = await tx.query<Omit<EventRow, 'free_seats'>>(
          `INSERT INTO events (id, organizer_id, name, seat_count) VALUES ($1, $2, $3, $4)
           RETURNING id, organizer_id, name, seat_count, created_at`,
          [id, organizerId, name, seats],
        );
        await tx.query(
          'INSERT INTO seats (event_id, seat_number) SELECT $1, n FROM generate_series(1, $2::int) AS n',
          [id, seats],
        );
        const free_seats = Array.from({ length: seats }, (_, i) => i + 1);
        return { ok: true, event: toEvent({ ...(row as EventRow), free_seats }) };
      }),

    async event(eventId) {
      const [row] = await db.query<EventRow>(
        `SELECT e.id, e.organizer_id, e.name, e.seat_count, e.created_at,
           (SELECT array_agg(s.seat_number ORDER BY s.seat_number) FROM seats s
            WHERE s.event_id = e.id AND s.booked_by IS NULL) AS free_seats
         FROM events e WHERE e.id = $1`,
        [eventId],
      );
      return row ? toEvent(row) : null;
    },

    async bookSeat(eventId, seat, userId): Promise<BookingResult> {
      // The conditional UPDATE is the article's SELECT ... FOR UPDATE in one statement: racing
      // bookers queue on the row lock, and each re-checks "booked_by IS NULL" once it is theirs,
      // so exactly one of them finds the seat free.
      const [booked] = await db.query<{ booked_at: Date }>(
        `UPDATE seats SET booked_by = $3, booked_at = now()
         WHERE event_id = $1 AND seat_number = $2 AND booked_by IS NULL
         RETURNING booked_at`,
        [eventId, seat, userId],
      );
      if (booked) {
        return {
          ok: true,
          booking: { event_id: eventId, seat, booked_by: userId, booked_at: iso(booked.booked_at) },
        };
      }
      const exists = await db.query('SELECT 1 FROM seats WHERE event_id = $1 AND seat_number = $2', [
        eventId,
        seat,
      ]);
      return { ok: false, reason: exists.length ? 'taken' : 'no_such_seat' };
    },
  } satisfies Partial<CommercePort>;
}

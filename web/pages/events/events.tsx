// Events with numbered seats: create one, share its page, and book a free seat on its seat map
// (a seat is booked once, however many people try at the same moment).

import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api, ok } from '../../api/client';
import { useSession } from '../../api/session';
import { Field, FormError, fieldError } from '../../components/field';
import { useLoad } from '../../components/load';
import { MarketNav, SignInFirst } from '../../components/market-nav';
import { Failed, Skeleton } from '../../components/states';

function NewEvent() {
  const { route } = useLocation();
  const [name, setName] = useState('');
  const [seats, setSeats] = useState('40');
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const made = await ok(api.POST('/api/v1/events', { body: { name, seats: Number(seats) } }));
      route(`/market/events/${made.id}`);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form onSubmit={submit} aria-labelledby="new-event">
      <h2 id="new-event">Create an event</h2>
      <Field
        label="Event name"
        name="name"
        value={name}
        onInput={(e) => setName(e.currentTarget.value)}
        error={fieldError(error, 'name')}
      />
      <Field
        label="Seats"
        name="seats"
        type="number"
        min={1}
        value={seats}
        onInput={(e) => setSeats(e.currentTarget.value)}
        error={fieldError(error, 'seats')}
      />
      <FormError error={error} />
      <button type="submit">Create event</button>
    </form>
  );
}

function SeatMap({ id }: { id: string }) {
  const { me } = useSession();
  const event = useLoad(() => ok(api.GET('/api/v1/events/{id}', { params: { path: { id } } })), [id]);
  const [message, setMessage] = useState<string | null>(null);
  if (event.state.status === 'loading') return <Skeleton lines={1} label="Loading the seat map" />;
  if (event.state.status === 'failed') return <Failed error={event.state.error} retry={event.reload} />;
  const { name, seat_count, free_seats } = event.state.data;
  const free = new Set(free_seats);
  const book = async (seat: number) => {
    setMessage(null);
    try {
      await ok(api.POST('/api/v1/events/{id}/seats/{seat}/booking', { params: { path: { id, seat } } }));
      setMessage(`Seat ${seat} is yours.`);
    } catch (failure) {
      setMessage((failure as Error).message);
    }
    event.reload();
  };
  return (
    <section aria-labelledby="event-name">
      <h2 id="event-name">{name}</h2>
      <p>
        {free.size} of {seat_count} seats free. Share this page to let others book.
      </p>
      {message && (
        <p class="notice" role="status">
          {message}
        </p>
      )}
      {!me && <SignInFirst next={`/market/events/${id}`} />}
      <fieldset class="seats">
        <legend class="visually-hidden">Seat map</legend>
        {Array.from({ length: seat_count }, (_, i) => i + 1).map((seat) => (
          <button
            key={seat}
            type="button"
            data-free={free.has(seat)}
            disabled={!me || !free.has(seat)}
            aria-label={`Seat ${seat}, ${free.has(seat) ? 'free' : 'taken'}`}
            onClick={() => book(seat)}
          >
            {seat}
          </button>
        ))}
      </fieldset>
    </section>
  );
}

export default function Events() {
  const { params } = useRoute();
  const { me } = useSession();
  return (
    <>
      <h1>Events</h1>
      <MarketNav />
      {params.id ? <SeatMap id={params.id} /> : me ? <NewEvent /> : <SignInFirst next="/market/events" />}
    </>
  );
}

// The cart (kept by the server, so it survives a reload) and checkout. A line keeps the price
// it was put at: when a product costs more now, the line says so and must be accepted (put
// again) before checkout charges it; the server refuses a checkout at a raised price.
import { useState } from 'preact/hooks';
import { ApiError, api, ok } from '../../api/client';
import { useSession } from '../../api/session';
import type { Cart as CartReply, Product } from '../../api/types';
import { FormError } from '../../components/field';
import { money } from '../../components/format';
import { useLoad } from '../../components/load';
import { MarketNav, newKey, SignInFirst } from '../../components/market-nav';
import { Empty, Failed, Skeleton } from '../../components/states';

type Line = CartReply['items'][number] & { product: Product | null };

async function loadCart(): Promise<Line[]> {
  const cart = await ok(api.GET('/api/v1/me/cart'));
  return Promise.all(
    cart.items.map(async (line) => ({
      ...line,
      product: await ok(
        api.GET('/api/v1/products/{id}', { params: { path: { id: line.product_id } } }),
      ).catch(() => null),
    })),
  );
}

export default function Cart() {
  const { me } = useSession();
  const cart = useLoad(() => (me ? loadCart() : Promise.resolve([])), [me?.id]);
  // One key per intended checkout: a double click, or a retry, orders once.
  const [key, setKey] = useState(newKey);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (!me) {
    return (
      <>
        <h1>Cart</h1>
        <MarketNav />
        <SignInFirst next="/market/cart" />
      </>
    );
  }

  const put = async (line: Line, quantity: number) => {
    setError(null);
    try {
      await ok(
        api.PUT('/api/v1/me/cart/items/{product_id}', {
          params: { path: { product_id: line.product_id } },
          body: { quantity },
        }),
      );
      setKey(newKey());
      cart.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  const remove = async (line: Line) => {
    try {
      await ok(
        api.DELETE('/api/v1/me/cart/items/{product_id}', {
          params: { path: { product_id: line.product_id } },
        }),
      );
      setKey(newKey());
      cart.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  const checkout = async () => {
    setBusy(true);
    setError(null);
    try {
      const order = await ok(api.POST('/api/v1/me/cart/checkout', { body: { idempotency_key: key } }));
      setDone(`Paid ${money(order.total_cents)}. Order ${order.id.slice(0, 8)} is in your orders.`);
      setKey(newKey());
      cart.reload();
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === 'price_changed') cart.reload();
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const lines = cart.state.status === 'ready' ? cart.state.data : [];
  const raised = lines.filter((line) => line.current_unit_price_cents > line.unit_price_cents);
  const total = lines.reduce(
    (sum, line) => sum + Math.min(line.unit_price_cents, line.current_unit_price_cents) * line.quantity,
    0,
  );

  return (
    <>
      <h1>Cart</h1>
      <MarketNav />
      {done && (
        <p class="notice ok" role="status">
          {done} <a href="/market/orders">See orders</a> · <a href="/market/wallet">See wallet</a>
        </p>
      )}
      {cart.state.status === 'loading' && <Skeleton lines={2} label="Loading your cart" />}
      {cart.state.status === 'failed' && <Failed error={cart.state.error} retry={cart.reload} />}
      {cart.state.status === 'ready' && lines.length === 0 && (
        <Empty title="Your cart is empty">
          <p>
            <a href="/market">Browse products</a>
          </p>
        </Empty>
      )}
      {lines.length > 0 && (
        <>
          <ul class="list" aria-label="Cart lines">
            {lines.map((line) => {
              const name = line.product?.name ?? 'A product no longer offered';
              const up = line.current_unit_price_cents > line.unit_price_cents;
              return (
                <li key={line.product_id} class="card" aria-label={name}>
                  <div class="row" style={{ justifyContent: 'space-between' }}>
                    <span>
                      <b>{name}</b>
                      <br />
                      {line.quantity} ×{' '}
                      <span class="money">
                        {money(Math.min(line.unit_price_cents, line.current_unit_price_cents))}
                      </span>
                    </span>
                    <span class="row">
                      <label class="visually-hidden" for={`qty-${line.product_id}`}>
                        Quantity of {name}
                      </label>
                      <select
                        id={`qty-${line.product_id}`}
                        value={line.quantity}
                        style={{ width: 'auto' }}
                        onChange={(event) => put(line, Number(event.currentTarget.value))}
                      >
                        {Array.from({ length: Math.max(10, line.quantity) }, (_, i) => (
                          <option key={i + 1} value={i + 1}>
                            {i + 1}
                          </option>
                        ))}
                      </select>
                      <button type="button" onClick={() => remove(line)} aria-label={`Remove ${name}`}>
                        Remove
                      </button>
                    </span>
                  </div>
                  {up && (
                    <div class="notice" role="alert">
                      The price went up from {money(line.unit_price_cents)} to{' '}
                      {money(line.current_unit_price_cents)}.{' '}
                      <button
                        type="button"
                        onClick={() => put(line, line.quantity)}
                        aria-label={`Accept the new price of ${name}`}
                      >
                        Accept new price
                      </button>
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
          <p>
            Total: <span class="money">{money(total)}</span>
          </p>
          <FormError error={error} />
          <button type="button" class="primary" onClick={checkout} disabled={busy || raised.length > 0}>
            {busy ? 'Paying…' : raised.length > 0 ? 'Accept the new prices to pay' : `Pay ${money(total)}`}
          </button>
        </>
      )}
    </>
  );
}

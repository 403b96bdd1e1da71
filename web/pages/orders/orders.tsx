// Orders: what you bought (every line and the total) and what you sold (your lines and subtotal).
import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { useSession } from '../../api/session';
import type { Order, Sale } from '../../api/types';
import { ago, money } from '../../components/format';
import { usePaged } from '../../components/load';
import { MarketNav, SignInFirst } from '../../components/market-nav';
import { PagedList } from '../../components/paged-list';

function OrderItem({ order, sum }: { order: Order | Sale; sum: number }) {
  return (
    <li class="card" aria-label={`Order ${order.id.slice(0, 8)}`}>
      <p class="row" style={{ justifyContent: 'space-between' }}>
        <span>
          Order <code>{order.id.slice(0, 8)}</code> <span class="hint">{ago(order.created_at)}</span>
        </span>
        <span class="money">{money(sum)}</span>
      </p>
      <ul>
        {order.items.map((item) => (
          <li key={item.product_id}>
            {item.quantity} × {item.name} at {money(item.unit_price_cents)}
          </li>
        ))}
      </ul>
    </li>
  );
}

export default function Orders() {
  const { me } = useSession();
  const [view, setView] = useState<'bought' | 'sold'>('bought');
  const bought = usePaged(
    (cursor?: string) => ok(api.GET('/api/v1/me/orders', { params: { query: { limit: 20, cursor } } })),
    [me?.id],
  );
  const sold = usePaged(
    (cursor?: string) => ok(api.GET('/api/v1/me/sales', { params: { query: { limit: 20, cursor } } })),
    [me?.id],
  );
  if (!me) {
    return (
      <>
        <h1>Orders</h1>
        <MarketNav />
        <SignInFirst next="/market/orders" />
      </>
    );
  }
  return (
    <>
      <h1>Orders</h1>
      <MarketNav />
      <div class="tabs" role="tablist" aria-label="Which orders">
        <button type="button" role="tab" aria-selected={view === 'bought'} onClick={() => setView('bought')}>
          Bought
        </button>
        <button type="button" role="tab" aria-selected={view === 'sold'} onClick={() => setView('sold')}>
          Sold
        </button>
      </div>
      {view === 'bought' ? (
        <PagedList
          list={bought}
          label="Orders you placed"
          empty="You have bought nothing yet."
          render={(o) => <OrderItem key={o.id} order={o} sum={o.total_cents} />}
        />
      ) : (
        <PagedList
          list={sold}
          label="Your sales"
          empty="Nobody has bought from you yet."
          render={(s) => <OrderItem key={s.id} order={s} sum={s.subtotal_cents} />}
        />
      )}
    </>
  );
}

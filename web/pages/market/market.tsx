// The marketplace: products (put one in the cart; sell your own and change its price and
// stock) and the sellers' leaderboard.
import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { useSession } from '../../api/session';
import type { Product } from '../../api/types';
import { Field, FormError, fieldError } from '../../components/field';
import { money, parseCents } from '../../components/format';
import { useLoad, usePaged } from '../../components/load';
import { MarketNav } from '../../components/market-nav';
import { PagedList } from '../../components/paged-list';

function SellForm({ onCreated }: { onCreated: (product: Product) => void }) {
  const [name, setName] = useState('');
  const [price, setPrice] = useState('');
  const [stock, setStock] = useState('1');
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    const cents = parseCents(price);
    if (cents === null) {
      setError({ message: 'Check the price.', fields: { price_cents: 'write an amount like 12.50' } });
      return;
    }
    try {
      onCreated(
        await ok(api.POST('/api/v1/products', { body: { name, price_cents: cents, stock: Number(stock) } })),
      );
      setName('');
      setPrice('');
      setStock('1');
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <details>
      <summary>Sell something</summary>
      <form onSubmit={submit} aria-label="Sell a product">
        <Field
          label="Product name"
          name="name"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          error={fieldError(error, 'name')}
        />
        <Field
          label="Price (USD)"
          name="price_cents"
          inputMode="decimal"
          value={price}
          placeholder="12.50"
          onInput={(e) => setPrice(e.currentTarget.value)}
          error={fieldError(error, 'price_cents')}
        />
        <Field
          label="Stock"
          name="stock"
          type="number"
          min={0}
          value={stock}
          onInput={(e) => setStock(e.currentTarget.value)}
          error={fieldError(error, 'stock')}
        />
        <FormError error={error} />
        <button type="submit">Offer product</button>
      </form>
    </details>
  );
}

function EditProduct({ product, onSaved }: { product: Product; onSaved: (product: Product) => void }) {
  const [price, setPrice] = useState(money(product.price_cents).replace(/[^0-9.]/g, ''));
  const [stock, setStock] = useState(String(product.stock));
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    const cents = parseCents(price);
    if (cents === null) {
      setError({ message: 'Check the price.', fields: { price_cents: 'write an amount like 12.50' } });
      return;
    }
    try {
      onSaved(
        await ok(
          api.PATCH('/api/v1/products/{id}', {
            params: { path: { id: product.id } },
            body: { price_cents: cents, stock: Number(stock) },
          }),
        ),
      );
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <details>
      <summary>Edit price and stock</summary>
      <form onSubmit={submit} aria-label={`Edit ${product.name}`}>
        <Field
          label="New price (USD)"
          name={`price-${product.id}`}
          inputMode="decimal"
          value={price}
          onInput={(e) => setPrice(e.currentTarget.value)}
          error={fieldError(error, 'price_cents')}
        />
        <Field
          label="New stock"
          name={`stock-${product.id}`}
          type="number"
          min={0}
          value={stock}
          onInput={(e) => setStock(e.currentTarget.value)}
          error={fieldError(error, 'stock')}
        />
        <FormError error={error} />
        <button type="submit">Save</button>
      </form>
    </details>
  );
}

function ProductItem({ product, onChanged }: { product: Product; onChanged: (product: Product) => void }) {
  const { me } = useSession();
  const [status, setStatus] = useState<string | null>(null);
  const add = async () => {
    setStatus(null);
    try {
      await ok(
        api.PUT('/api/v1/me/cart/items/{product_id}', {
          params: { path: { product_id: product.id } },
          body: { quantity: 1 },
        }),
      );
      setStatus('In your cart.');
    } catch (failure) {
      setStatus((failure as Error).message);
    }
  };
  const own = me?.id === product.seller_id;
  return (
    <li class="card" aria-label={product.name}>
      <div class="row" style={{ justifyContent: 'space-between' }}>
        <span>
          <b>{product.name}</b>
          <br />
          <span class="money">{money(product.price_cents)}</span> ·{' '}
          {product.stock > 0 ? `${product.stock} in stock` : 'sold out'} · sold by{' '}
          <a href={`/users/${product.seller_id}`}>{own ? 'you' : 'this seller'}</a>
        </span>
        {me && !own && (
          <button
            type="button"
            disabled={product.stock === 0}
            onClick={add}
            aria-label={`Add ${product.name} to cart`}
          >
            Add to cart
          </button>
        )}
      </div>
      {status && (
        <p class="hint" role="status">
          {status} {status === 'In your cart.' && <a href="/market/cart">Go to cart</a>}
        </p>
      )}
      {own && <EditProduct product={product} onSaved={onChanged} />}
    </li>
  );
}

function Leaderboard() {
  const { state } = useLoad(
    () => ok(api.GET('/api/v1/leaderboards/sellers', { params: { query: { limit: 10 } } })),
    [],
  );
  if (state.status !== 'ready' || state.data.items.length === 0) return null;
  return (
    <section aria-labelledby="top-sellers">
      <h2 id="top-sellers">Top sellers</h2>
      <table class="table">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Seller</th>
            <th scope="col" class="num">
              Revenue
            </th>
          </tr>
        </thead>
        <tbody>
          {state.data.items.map((entry, i) => (
            <tr key={entry.seller.id}>
              <td>{i + 1}</td>
              <td>
                <a href={`/users/${entry.seller.id}`}>{entry.seller.name}</a>{' '}
                <span class="handle">@{entry.seller.handle}</span>
              </td>
              <td class="num money">{money(entry.revenue_cents)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export default function Market() {
  const { me } = useSession();
  const products = usePaged(
    (cursor?: string) => ok(api.GET('/api/v1/products', { params: { query: { limit: 20, cursor } } })),
    [],
  );
  const replace = (changed: Product) =>
    products.setItems((items) => items.map((p) => (p.id === changed.id ? changed : p)));
  return (
    <>
      <h1>Marketplace</h1>
      <MarketNav />
      {me && <SellForm onCreated={(product) => products.setItems((items) => [product, ...items])} />}
      <h2>Products</h2>
      <PagedList
        list={products}
        label="Products"
        empty="Nothing for sale yet."
        render={(p) => <ProductItem key={p.id} product={p} onChanged={replace} />}
      />
      <Leaderboard />
    </>
  );
}

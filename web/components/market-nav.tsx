// The marketplace's own tabs, shared by its pages, and what its pages share: who may buy.
import { useLocation } from 'preact-iso';

const TABS = [
  { href: '/market', label: 'Products' },
  { href: '/market/cart', label: 'Cart' },
  { href: '/market/wallet', label: 'Wallet' },
  { href: '/market/orders', label: 'Orders' },
  { href: '/market/events', label: 'Events' },
];

export function MarketNav() {
  const { path } = useLocation();
  const current = (href: string) => (href === '/market' ? path === '/market' : path.startsWith(href));
  return (
    <nav class="tabs" aria-label="Marketplace">
      {TABS.map((tab) => (
        <a key={tab.href} href={tab.href} aria-current={current(tab.href) ? 'page' : undefined}>
          {tab.label}
        </a>
      ))}
    </nav>
  );
}

/**
 * An idempotency key for one intended payment: made once when the form is filled, sent with
 * every try of it, so a double click or a retry after a lost reply pays once. Random bytes from
 * getRandomValues, which (unlike randomUUID) also exists on pages served over plain http.
 */
export function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function SignInFirst({ next }: { next: string }) {
  return (
    <p>
      <a href={`/sign-in?next=${encodeURIComponent(next)}`}>Sign in</a> to use the marketplace.
    </p>
  );
}

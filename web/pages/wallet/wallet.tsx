// The wallet: balance, play money in demo mode, transfers to another person (one idempotency
// key per transfer filled in, so a double click pays once), and the ledger, newest first.
import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { useSession } from '../../api/session';
import { Field, FormError, fieldError } from '../../components/field';
import { ago, money, parseCents } from '../../components/format';
import { useLoad, usePaged } from '../../components/load';
import { MarketNav, newKey, SignInFirst } from '../../components/market-nav';
import { PagedList } from '../../components/paged-list';

/** "@ada_xu_197" or "ada_xu_197" to a user id, through people search (exact handle only). */
async function userIdOf(handle: string): Promise<number | null> {
  const wanted = handle.trim().replace(/^@/, '').toLowerCase();
  if (!wanted) return null;
  const page = await ok(api.GET('/api/v1/users', { params: { query: { q: wanted, limit: 10 } } }));
  return page.items.find((person) => person.handle.toLowerCase() === wanted)?.id ?? null;
}

function Transfer({ onSent }: { onSent: () => void }) {
  const [to, setTo] = useState('');
  const [amount, setAmount] = useState('');
  const [key, setKey] = useState(newKey);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setError(null);
    setSent(null);
    const cents = parseCents(amount);
    if (cents === null || cents === 0) {
      setError({ message: 'Check the amount.', fields: { amount_cents: 'write an amount like 5.00' } });
      return;
    }
    setBusy(true);
    try {
      const toId = await userIdOf(to);
      if (toId === null) {
        setError({
          message: 'Nobody has that handle.',
          fields: { to_user_id: `nobody is @${to.replace(/^@/, '')}` },
        });
        return;
      }
      await ok(
        api.POST('/api/v1/wallet/transfers', {
          body: { to_user_id: toId, amount_cents: cents, idempotency_key: key },
        }),
      );
      setSent(`Sent ${money(cents)} to @${to.replace(/^@/, '')}.`);
      setTo('');
      setAmount('');
      setKey(newKey());
      onSent();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-labelledby="transfer-title">
      <h2 id="transfer-title">Send money</h2>
      <Field
        label="To (handle)"
        name="to_user_id"
        value={to}
        placeholder="@handle"
        onInput={(e) => setTo(e.currentTarget.value)}
        error={fieldError(error, 'to_user_id')}
      />
      <Field
        label="Amount (USD)"
        name="amount_cents"
        inputMode="decimal"
        value={amount}
        placeholder="5.00"
        onInput={(e) => {
          setAmount(e.currentTarget.value);
          setKey(newKey());
        }}
        error={fieldError(error, 'amount_cents')}
      />
      <FormError error={error} />
      {sent && (
        <p class="notice ok" role="status">
          {sent}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Sending…' : 'Send'}
      </button>
    </form>
  );
}

function Deposit({ onDone }: { onDone: () => void }) {
  const demo = useLoad(() => ok(api.GET('/api/v1/demo')), []);
  const [error, setError] = useState<unknown>(null);
  if (demo.state.status !== 'ready' || !demo.state.data.demo_mode) return null;
  const add = async () => {
    setError(null);
    try {
      await ok(api.POST('/api/v1/wallet/deposits', { body: { amount_cents: 10_000 } }));
      onDone();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <p class="row">
      <button type="button" onClick={add}>
        Add {money(10_000)} of play money
      </button>
      <span class="hint">Demo mode: money from nowhere, to try the shop.</span>
      <FormError error={error} />
    </p>
  );
}

export default function WalletPage() {
  const { me } = useSession();
  const wallet = useLoad(() => (me ? ok(api.GET('/api/v1/me/wallet')) : Promise.resolve(null)), [me?.id]);
  const entries = usePaged(
    (cursor?: string) =>
      ok(api.GET('/api/v1/me/wallet/entries', { params: { query: { limit: 20, cursor } } })),
    [me?.id],
  );
  if (!me) {
    return (
      <>
        <h1>Wallet</h1>
        <MarketNav />
        <SignInFirst next="/market/wallet" />
      </>
    );
  }
  const refresh = () => {
    wallet.reload();
    entries.reload();
  };
  return (
    <>
      <h1>Wallet</h1>
      <MarketNav />
      <p>
        Balance:{' '}
        <output class="money" aria-label="Balance">
          {wallet.state.status === 'ready' && wallet.state.data
            ? money(wallet.state.data.balance_cents)
            : '…'}
        </output>
      </p>
      <Deposit onDone={refresh} />
      <Transfer onSent={refresh} />
      <h2>Entries</h2>
      <PagedList
        list={entries}
        label="Wallet entries"
        empty="No money has moved yet."
        render={(entry) => (
          <li key={entry.id} class="card row" style={{ justifyContent: 'space-between' }}>
            <span>
              {entry.kind === 'deposit' ? 'Deposit' : entry.kind === 'order' ? 'Order' : 'Transfer'}{' '}
              <span class="hint">{ago(entry.created_at)}</span>
            </span>
            <span>
              <span class="money">
                {entry.amount_cents > 0 ? `+${money(entry.amount_cents)}` : money(entry.amount_cents)}
              </span>
              <span class="hint"> → {money(entry.balance_after_cents)}</span>
            </span>
          </li>
        )}
      />
    </>
  );
}

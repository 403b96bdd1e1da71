// How numbers and times read on every page. Money stays integer cents until it is shown:
// the amount is written as a decimal string ("1234.05"), never divided as a float.

/** The platform's one currency: wallets hold play money in demo mode, cents everywhere. */
export const CURRENCY = 'USD';

const moneyFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: CURRENCY });

export function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const decimal = `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  // Intl formats a decimal string exactly (no float in between).
  return moneyFormat.format(decimal as unknown as number);
}

/** Whole cents from what a person typed ("12", "12.5", "12.50"); null when it is not an amount. */
export function parseCents(text: string): number | null {
  const match = /^\s*(\d{1,10})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '0').padEnd(2, '0'));
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'narrow' });
const STEPS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 5],
];

/** "5 min. ago", "yesterday", or the date for anything older than a month. */
export function ago(iso: string, now = Date.now()): string {
  let value = (new Date(iso).getTime() - now) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return new Date(iso).toLocaleDateString();
}

export const count = (n: number) => new Intl.NumberFormat('en', { notation: 'compact' }).format(n);

export const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

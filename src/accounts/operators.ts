// Who operates the platform: the accounts whose e-mail address is in the configured operator
// list (ADMIN_EMAILS, and the demo operator in demo mode). Operators may read what describes
// the whole platform (per-endpoint metrics); compared in the one normalised form log-in uses.
import type { AccountsPort } from './accounts.port.ts';
import { normaliseEmail } from './email.ts';

export type IsOperator = (userId: number) => Promise<boolean>;

export function operatorCheck(
  accounts: Pick<AccountsPort, 'findAccount'>,
  adminEmails: readonly string[],
): IsOperator {
  const operators = new Set(adminEmails.map(normaliseEmail));
  return async (userId) => {
    if (operators.size === 0) return false;
    const account = await accounts.findAccount(userId);
    return account !== null && operators.has(normaliseEmail(account.email));
  };
}

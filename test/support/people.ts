// Real accounts for contract suites whose rows reference users, made through the accounts adapter.
import type { AccountsPort, ProfileSummary } from '../../src/accounts/accounts.port.ts';

let made = 0;

/** `count` new accounts; `tag` names the suite in their emails and handles. */
export async function makePeople(
  accounts: AccountsPort,
  count: number,
  tag: string,
): Promise<ProfileSummary[]> {
  const people: ProfileSummary[] = [];
  for (let i = 0; i < count; i++) {
    const n = `${process.pid}_${made++}`;
    const result = await accounts.createAccount({
      email: `${tag}_${n}@example.com`,
      // Never checked here: only its argon2id shape is, by the table's CHECK.
      passwordHash: `$argon2id$v=19$m=19456,t=2,p=1$${tag}$contract`,
      name: `${tag} ${n}`,
      birthdate: '1990-01-01',
      handleCandidates: [`${tag}_${n}`],
    });
    if (!result.ok) throw new Error(`could not make an account: ${result.taken} taken`);
    const { id, handle, name, avatar_url } = result.account;
    people.push({ id, handle, name, avatar_url });
  }
  return people;
}

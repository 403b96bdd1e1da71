// The one normalised form of an email address. It is stored in its own column and used for
// the log-in look-up, for sign-up uniqueness and for every rate-limit key, so that two
// spellings the platform treats as one account always share one limit. It is computed here,
// never by the database: PostgreSQL's lower() depends on the database's locale.

/**
 * Unicode compatibility normalisation (NFKC: a fullwidth "ａ" or a Kelvin sign "K" is the
 * letter itself), then case folding, then NFKC again (folding can undo a composition).
 * JavaScript has no full case folding: toLowerCase alone leaves "ß" while "SS" becomes "ss".
 * Upper-casing first maps every case variant to one form (ß → SS, ſ → S, ς → Σ), and lower-
 * casing that gives one key for all of them; both are locale-independent in JavaScript.
 */
export function normaliseEmail(email: string): string {
  return email.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

// A labelled form field that shows the server's message for it (a 400's details.fields) under it.
import type { InputHTMLAttributes, TextareaHTMLAttributes } from 'preact';

/** An input's attributes; onInput gets the field (an input or a textarea) as currentTarget. */
type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'onInput'> & {
  onInput?: (event: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => void;
};

export function Field({
  label,
  name,
  error,
  hint,
  multiline = false,
  ...input
}: { label: string; name: string; error?: string; hint?: string; multiline?: boolean } & InputProps) {
  const id = `field-${name}`;
  const described =
    [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, name, 'aria-invalid': error ? true : undefined, 'aria-describedby': described };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {multiline ? (
        <textarea {...(input as TextareaHTMLAttributes<HTMLTextAreaElement>)} {...common} />
      ) : (
        <input {...(input as InputHTMLAttributes<HTMLInputElement>)} {...common} />
      )}
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} class="field-error">
          {error}
        </small>
      )}
    </div>
  );
}

/** The message of a failed form submission that belongs to no one field. */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  const fields = (error as { fields?: Record<string, string> }).fields ?? {};
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p class="form-error" role="alert">
      {Object.keys(fields).length ? 'Please correct the fields marked below.' : message}
    </p>
  );
}

/** The server's message for a field (or for a part of it, like `media_urls.0`). */
export function fieldError(error: unknown, name: string): string | undefined {
  const fields = (error as { fields?: Record<string, string> } | null)?.fields ?? {};
  if (fields[name]) return fields[name];
  const part = Object.keys(fields).find((key) => key.startsWith(`${name}.`));
  return part ? `${part}: ${fields[part]}` : undefined;
}

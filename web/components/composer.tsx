// Writing a post: the text, image links shown as the post will show them, and free-form
// attributes (a JSON object) behind "More". A draft not yet sent survives a reload.
import { useEffect, useState } from 'preact/hooks';
import { api, ok } from '../api/client';
import type { Post } from '../api/types';
import { Field, FormError, fieldError } from './field';
import { Media } from './post-card';

const DRAFT_KEY = 'polyglot.draft';
const MAX = 5000;

export function Composer({ onPosted }: { onPosted: (post: Post) => void }) {
  const [content, setContent] = useState(() => localStorage.getItem(DRAFT_KEY) ?? '');
  const [media, setMedia] = useState('');
  const [attributes, setAttributes] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (content) localStorage.setItem(DRAFT_KEY, content);
    else localStorage.removeItem(DRAFT_KEY);
  }, [content]);
  const urls = media
    .split(/\s+/)
    .map((url) => url.trim())
    .filter(Boolean);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    let parsed: Record<string, unknown> | undefined;
    if (attributes.trim()) {
      try {
        parsed = JSON.parse(attributes);
      } catch {
        setError({
          message: 'Attributes must be a JSON object.',
          fields: { attributes: 'is not valid JSON' },
        });
        return;
      }
    }
    setBusy(true);
    try {
      const post = await ok(
        api.POST('/api/v1/posts', {
          body: {
            content,
            ...(urls.length ? { media_urls: urls } : {}),
            ...(parsed ? { attributes: parsed } : {}),
          },
        }),
      );
      setContent('');
      setMedia('');
      setAttributes('');
      onPosted(post);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="composer" onSubmit={submit} aria-label="New post">
      <Field
        label="What's happening?"
        name="content"
        multiline
        value={content}
        maxLength={MAX}
        onInput={(event) => setContent(event.currentTarget.value)}
        error={fieldError(error, 'content')}
        hint={content.length > MAX - 200 ? `${MAX - content.length} characters left` : undefined}
      />
      <details>
        <summary>More: images and attributes</summary>
        <Field
          label="Image links (http or https, one per line)"
          name="media_urls"
          multiline
          value={media}
          onInput={(event) => setMedia(event.currentTarget.value)}
          error={fieldError(error, 'media_urls')}
        />
        <Media urls={urls.filter((url) => /^https?:\/\//.test(url))} />
        <Field
          label="Attributes (a JSON object)"
          name="attributes"
          multiline
          value={attributes}
          placeholder='{"mood": "sunny"}'
          onInput={(event) => setAttributes(event.currentTarget.value)}
          error={fieldError(error, 'attributes')}
        />
      </details>
      <FormError error={error} />
      <div class="row">
        <button type="submit" disabled={busy || !content.trim()}>
          {busy ? 'Posting…' : 'Post'}
        </button>
      </div>
    </form>
  );
}

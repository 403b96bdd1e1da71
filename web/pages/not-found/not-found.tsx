// A path the UI does not know.
export default function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        Nothing lives at this address. <a href="/">Go home</a>.
      </p>
    </>
  );
}

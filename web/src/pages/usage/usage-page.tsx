export function UsagePage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Usage and requests</h1>
    </section>
  );
}

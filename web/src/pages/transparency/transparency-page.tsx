export function TransparencyPage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Transparency</h1>
    </section>
  );
}

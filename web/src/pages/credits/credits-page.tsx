export function CreditsPage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Credits and fund</h1>
    </section>
  );
}

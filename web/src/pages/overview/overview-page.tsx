export function OverviewPage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Overview</h1>
    </section>
  );
}

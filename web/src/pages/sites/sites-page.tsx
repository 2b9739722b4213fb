export function SitesPage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Sites and deployments</h1>
    </section>
  );
}

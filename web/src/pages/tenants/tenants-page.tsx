export function TenantsPage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Tenants</h1>
    </section>
  );
}

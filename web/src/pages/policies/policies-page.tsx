export function PoliciesPage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Policies</h1>
    </section>
  );
}

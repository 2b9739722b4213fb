export function MapPage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Sovereignty map</h1>
    </section>
  );
}

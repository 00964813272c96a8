/** How much of a budget is used, as a bar (SVG sizes: the CSP refuses inline styles). */
export function BudgetMeter({ fraction, label }: { fraction: number; label: string }) {
  const used = Math.min(1, Math.max(0, fraction));
  const tone = used >= 0.8 ? (used >= 1 ? "fill-destructive" : "fill-amber-500") : "fill-brand";
  return (
    <svg
      viewBox="0 0 100 4"
      preserveAspectRatio="none"
      className="h-2 w-full overflow-hidden rounded-full"
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(used * 100)}
    >
      <rect width={100} height={4} className="fill-muted" />
      <rect width={used * 100} height={4} className={tone} />
    </svg>
  );
}

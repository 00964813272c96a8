import { dayLabel, formatTokens, tokenCount } from "@/lib/usage/format";
import { niceCeiling } from "@/lib/usage/days";
import type { DayUsage } from "@/lib/usage/types";
import { cn } from "@/lib/utils";

const BAR = 10;
const HEIGHT = 100;

/**
 * Tokens per day as SVG bars (every day, zero days included: `fillDays`). Sizes are SVG
 * attributes, not inline styles, which the page's CSP would refuse. The last bar is today.
 */
export function UsageChart({ days, className }: { days: DayUsage[]; className?: string }) {
  const ceiling = niceCeiling(Math.max(0, ...days.map((d) => d.tokens)));
  const total = days.reduce((sum, d) => sum + d.tokens, 0);
  const busiest = days.reduce<DayUsage | undefined>((top, d) => (d.tokens > (top?.tokens ?? 0) ? d : top), undefined);
  const summary = busiest
    ? `Tokens per day from ${dayLabel(days[0]!.day)} to ${dayLabel(days.at(-1)!.day)}: ${tokenCount(total)} in all, the most on ${dayLabel(busiest.day)} (${tokenCount(busiest.tokens)}).`
    : "No tokens used in these days.";
  const middle = days[Math.floor((days.length - 1) / 2)];
  return (
    <figure className={cn("grid gap-1", className)}>
      <div className="flex items-end justify-between text-xs text-muted-foreground">
        <span>{formatTokens(ceiling, { compact: true })} tokens</span>
      </div>
      <svg
        viewBox={`0 0 ${days.length * BAR} ${HEIGHT}`}
        preserveAspectRatio="none"
        className="h-40 w-full border-b border-border"
        role="img"
        aria-label={summary}
        data-testid="usage-chart"
      >
        <line x1={0} x2={days.length * BAR} y1={HEIGHT / 2} y2={HEIGHT / 2} className="stroke-border" strokeDasharray="2 2" vectorEffect="non-scaling-stroke" />
        {days.map((d, i) => {
          // A day with any use shows at least a sliver, so it is not read as none.
          const height = d.tokens > 0 ? Math.max(1.5, (d.tokens / ceiling) * HEIGHT) : 0;
          const today = i === days.length - 1;
          return (
            <rect
              key={d.day}
              x={i * BAR + 1.5}
              y={HEIGHT - height}
              width={BAR - 3}
              height={height}
              rx={1}
              className={today ? "fill-brand" : "fill-brand/50"}
              data-day={d.day}
              data-tokens={d.tokens}
            >
              <title>{`${dayLabel(d.day, {}, true)}: ${tokenCount(d.tokens)}`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption className="flex justify-between text-xs text-muted-foreground" aria-hidden>
        <span>{days[0] && dayLabel(days[0].day)}</span>
        <span>{middle && days.length > 2 && dayLabel(middle.day)}</span>
        <span>Today</span>
      </figcaption>
    </figure>
  );
}

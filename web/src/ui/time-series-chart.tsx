import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
  readonly color: string;
}

/**
 * A line chart over time (uPlot: small and fast on many points). `times` are Unix seconds.
 * It is a picture for the eye; every page that shows one also shows its numbers as a table.
 */
export function TimeSeriesChart({
  title,
  times,
  series,
  height = 220,
  span,
}: {
  readonly title: string;
  readonly times: readonly number[];
  readonly series: readonly ChartSeries[];
  readonly height?: number;
  /** The period shown, in Unix seconds, so that a few points are not stretched over an axis of years. */
  readonly span?: readonly [number, number];
}) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (element === null) return;
    const chart = new uPlot(
      {
        width: Math.max(320, element.clientWidth),
        height,
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: true } }))],
        axes: [{}, { size: 70 }],
        scales: span === undefined ? {} : { x: { time: true, range: [span[0], span[1]] } },
        legend: { show: series.length > 1 },
      },
      [times as number[], ...series.map((s) => s.values as (number | null)[])],
      element,
    );
    const resize = () => chart.setSize({ width: Math.max(320, element.clientWidth), height });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.destroy();
    };
  }, [times, series, height, span]);
  return <div ref={container} role="img" aria-label={title} className="chart" />;
}

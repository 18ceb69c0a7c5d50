// What is trending (GET /api/trends: hashtags rising by distinct authors), read again every minute, when
// the scorer recomputes it. Each trend links to its search, with a sparkline of its last 24 hours.
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api/client";
import { Link } from "../../router";
import { t } from "./messages";

export interface Trend {
  tag: string;
  name: string;
  count: number;
  score: number;
  series: number[];
}

const REFRESH_MS = 60_000;

export function Sparkline({ series }: { series: number[] }) {
  if (series.length < 2) return null;
  const width = 64;
  const height = 18;
  const top = Math.max(1, ...series);
  const points = series
    .map((value, index) => `${((index / (series.length - 1)) * width).toFixed(1)},${(height - 1 - (value / top) * (height - 2)).toFixed(1)}`)
    .join(" ");
  return (
    <svg class="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true" focusable="false">
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" />
    </svg>
  );
}

export function TrendsPanel({ limit = 10 }: { limit?: number }) {
  const [trends, setTrends] = useState<Trend[] | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      api
        .get<{ data: Trend[] }>("/api/trends", { limit })
        .then((answer) => live && setTrends(answer.data))
        .catch(() => live && setTrends((current) => current ?? []));
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [limit]);

  return (
    <section class="trends card" aria-label={t("trends")}>
      <h2>{t("trends")}</h2>
      {trends === null ? null : trends.length === 0 ? (
        <p class="muted">{t("trendsEmpty")}</p>
      ) : (
        <ol class="trends-list">
          {trends.map((trend) => (
            <li key={trend.tag} class="trend">
              <Link href={`/search?${new URLSearchParams({ q: trend.name.startsWith("#") ? trend.name : `#${trend.name}` })}`}>
                <bdi class="trend-name">{trend.name.startsWith("#") ? trend.name : `#${trend.name}`}</bdi>
                <span class="trend-count muted">{t("trendPeople", { count: trend.count })}</span>
              </Link>
              <Sparkline series={trend.series} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

// The management dashboard: the estate's week or month against the one before, trends as
// charts (click a point for its tickets), team and member scorecards, the building heatmap,
// repeat faults and the period's incidents. Every figure comes from the surveys service's
// pre-aggregated counters (GetTrends, GetScorecard, GetBuildingHeatmap, RepeatFaults).
import { useMemo, useState } from "preact/hooks";
import { Period, type Kpis, type Trends } from "../../gen/lobby/v1/surveys_pb";
import { api, listTickets } from "../api";
import { Chart, type ChartClick } from "../chart";
import { t, type Key } from "../i18n";
import { navigate, setQuery, useRoute } from "../router";
import { useSession, type Session } from "../session";
import { addDays, addMonths, dayStart, nextPeriod, periodStart, todayIn, when } from "../time";
import { Busy, categoryName, Field, Time, useLoad, value } from "../ui";

export type KpiKey = keyof Omit<Kpis, "$typeName" | "$unknown" | "overallDistribution">;
export interface KpiDef { key: KpiKey; label: Key; fmt: (v: number) => string; better?: "up" | "down" }
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const mins = (v: number) => (v >= 120 ? `${(v / 60).toFixed(1)} h` : `${Math.round(v)} min`);
export const kpiDefs: KpiDef[] = [
  { key: "csat", label: "k_csat", fmt: (v) => v.toFixed(2), better: "up" },
  { key: "responseRate", label: "k_responseRate", fmt: pct, better: "up" },
  { key: "nps", label: "k_nps", fmt: (v) => v.toFixed(0), better: "up" },
  { key: "volume", label: "k_volume", fmt: (v) => String(v) },
  { key: "volumePer1000Units", label: "k_volumePer1000Units", fmt: (v) => v.toFixed(1) },
  { key: "ackP50Minutes", label: "k_ackP50Minutes", fmt: mins, better: "down" },
  { key: "ackP90Minutes", label: "k_ackP90Minutes", fmt: mins, better: "down" },
  { key: "arriveP50Minutes", label: "k_arriveP50Minutes", fmt: mins, better: "down" },
  { key: "arriveP90Minutes", label: "k_arriveP90Minutes", fmt: mins, better: "down" },
  { key: "resolveP50Minutes", label: "k_resolveP50Minutes", fmt: mins, better: "down" },
  { key: "resolveP90Minutes", label: "k_resolveP90Minutes", fmt: mins, better: "down" },
  { key: "breachRate", label: "k_breachRate", fmt: pct, better: "down" },
  { key: "firstTimeFixRate", label: "k_firstTimeFixRate", fmt: pct, better: "up" },
  { key: "reopenRate", label: "k_reopenRate", fmt: pct, better: "down" },
];
export function num(k: Kpis | undefined, key: KpiKey): number {
  return Number(k?.[key] ?? 0);
}
/// Whether a KPI has a value at all in that bucket (a CSAT needs responses, times resolved work).
export function has(k: Kpis | undefined, key: KpiKey): boolean {
  if (!k) return false;
  if (key === "csat" || key === "responseRate") return Number(k.responses) > 0 || Number(k.surveysSent) > 0;
  if (key === "nps") return Number(k.npsResponses) > 0;
  // A rate of none (no breach, no reopening) is 0%, once there is something it is a rate of.
  if (key === "breachRate" || key === "reopenRate" || key === "firstTimeFixRate")
    return Number(k.volume) > 0 || Number(k.resolved) > 0;
  return num(k, key) !== 0 || key === "volume" || key === "volumePer1000Units";
}

export function kpiDef(key: KpiKey): KpiDef {
  return kpiDefs.find((d) => d.key === key)!;
}

/// How a KPI moved from `prev` to `cur`: "better" or "worse" for figures with a good direction,
/// "higher" or "lower" for the others, "same"; undefined when either has no value.
export function verdict(def: KpiDef, cur?: Kpis, prev?: Kpis): "better" | "worse" | "higher" | "lower" | "same" | undefined {
  if (!has(prev, def.key) || !has(cur, def.key)) return undefined;
  const d = num(cur, def.key) - num(prev, def.key);
  if (Math.abs(d) < 1e-9) return "same";
  if (!def.better) return d > 0 ? "higher" : "lower";
  return (d > 0) === (def.better === "up") ? "better" : "worse";
}

/// "better" / "worse" / "same", in words and colour, for a KPI moving from `prev` to `cur`.
export function Change({ def, cur, prev }: { def: KpiDef; cur?: Kpis; prev?: Kpis }) {
  const v = verdict(def, cur, prev);
  if (!v) return <span class="change">{t("noComparison")}</span>;
  const rising = num(cur, def.key) > num(prev, def.key);
  return (
    <span class={v === "better" || v === "worse" ? `change ${v}` : "change"}
      data-change={v === "higher" || v === "lower" ? "neutral" : v}>
      {v === "same" ? "=" : rising ? "▲" : "▼"} {t(v)} ({t("was")} {def.fmt(num(prev, def.key))})
    </span>
  );
}

export function Dashboard() {
  const s = useSession();
  const { query } = useRoute();
  const period = (query.get("period") === "month" ? "month" : "week") as "week" | "month";
  const today = todayIn(s.tz);
  const start = periodStart(today, period);
  const prevStart = periodStart(addDays(start, -1), period);
  const end = nextPeriod(start, period);
  const q = (over: Record<string, string>) => setQuery({ ...Object.fromEntries(query), ...over });

  const overview = useLoad(() => api.surveys.getTrends({
    siteId: s.site, period: period === "month" ? Period.MONTH : Period.WEEK,
    from: dayStart(prevStart, s.tz), to: dayStart(end, s.tz),
  }), [s.site, period, start, s.tz]);
  const points = overview.data?.series[0]?.points ?? [];
  const cur = points.find((p) => when(p.start, s.tz).startsWith(start))?.kpis;
  const prev = points.find((p) => when(p.start, s.tz).startsWith(prevStart))?.kpis;

  return (
    <section aria-labelledby="dash-title" class="dashboard">
      <div class="row spread">
        <h1 id="dash-title">{t("dashboard")}</h1>
        <div class="row" role="group" aria-label={t("period")}>
          {(["week", "month"] as const).map((p) => (
            <button type="button" class={p === period ? "" : "secondary"} aria-pressed={p === period}
              onClick={() => q({ period: p })}>{t(p === "week" ? "thisWeek" : "thisMonth")}</button>
          ))}
        </div>
      </div>
      <p class="muted">{start} – {addDays(end, -1)} · {t("against")} {prevStart} – {addDays(start, -1)}</p>
      <Busy loaded={overview}>{() => (
        <div class="kpis" data-testid="kpis">
          {kpiDefs.map((d) => (
            <div class="card kpi" data-kpi={d.key}>
              <span class="kpi-label">{t(d.label)}</span>
              <strong class="kpi-value">{has(cur, d.key) ? d.fmt(num(cur, d.key)) : "—"}</strong>
              <Change def={d} cur={cur} prev={prev} />
            </div>
          ))}
        </div>
      )}</Busy>
      <TrendChart />
      <Scorecards from={start} to={end} />
      <div class="columns">
        <Backlog />
        <LowScores from={start} />
      </div>
      <div class="columns">
        <BuildingHeatmap from={start} to={end} />
        <RepeatFaultList />
      </div>
      <PeriodIncidents from={start} />
    </section>
  );
}

const dims = ["", "building", "team", "member", "category", "channel"];
const granularities: Record<string, { period: Period; n: number; step: "day" | "week" | "month" }> = {
  day: { period: Period.DAY, n: 30, step: "day" },
  week: { period: Period.WEEK, n: 12, step: "week" },
  month: { period: Period.MONTH, n: 12, step: "month" },
};

function TrendChart() {
  const s = useSession();
  const { query } = useRoute();
  const metric = (query.get("kpi") ?? "volume") as KpiKey;
  const by = query.get("by") ?? "";
  const every = query.get("every") ?? "week";
  const g = granularities[every] ?? granularities.week;
  const today = todayIn(s.tz);
  let first = periodStart(today, g.step === "day" ? "week" : g.step);
  if (g.step === "day") first = today;
  const starts: string[] = [first];
  for (let i = 1; i < g.n; i++) starts.unshift(back(starts[0], g.step));
  const to = nextPeriod(first, g.step);
  const trends = useLoad<Trends>(() => api.surveys.getTrends({
    siteId: s.site, period: g.period, groupBy: by,
    from: dayStart(starts[0], s.tz), to: dayStart(to, s.tz),
  }), [s.site, every, by, starts[0], s.tz]);
  const def = kpiDefs.find((d) => d.key === metric) ?? kpiDef("volume");
  const q = (over: Record<string, string>) => setQuery({ ...Object.fromEntries(query), ...over });

  // Grouped, the tickets of no group (not yet routed) are a series of their own: shown only when
  // it has something.
  const shown = useMemo(() => (trends.data?.series ?? []).filter((ser) =>
    !by || ser.group || ser.points.some((p) => has(p.kpis, metric) && num(p.kpis, metric) !== 0)), [trends.data, metric, by]);
  const option = useMemo(() => {
    const series = shown.map((ser) => {
      const byStart = new Map(ser.points.map((p) => [when(p.start, s.tz).slice(0, 10), p.kpis]));
      return {
        name: ser.group ? groupName(ser.group, by) : t(def.label), type: "line", smooth: false,
        data: starts.map((d) => (byStart.has(d) && has(byStart.get(d), metric) ? num(byStart.get(d), metric) : null)),
      };
    });
    return {
      grid: { left: 48, right: 16, top: 40, bottom: 32 },
      legend: { type: "scroll", top: 0 },
      xAxis: { type: "category", data: starts },
      yAxis: { type: "value", axisLabel: { formatter: (v: number) => def.fmt(v) } },
      series,
    };
  }, [trends.data, metric, by]);

  // The tickets behind a point: its bucket's days, and its group.
  function ticketsOf(day: string, group: string): string {
    const filter: Record<string, string> = { from: day, to: addDays(nextPeriod(day, g.step), -1) };
    if (group && by) filter[by === "member" ? "assignee" : by] = by === "channel" ? group.toLowerCase() : group;
    // A category is of one kind; any other group counts repairs and complaints together.
    if (by === "category") {
      if (isComplaint(s, group)) filter.kind = "complaint";
    } else {
      filter.kind = "all";
    }
    return `/tickets?${new URLSearchParams(filter)}`;
  }
  function open(p: ChartClick) {
    const day = starts[p.dataIndex];
    const ser = shown[p.seriesIndex];
    if (day && ser) navigate(ticketsOf(day, ser.group));
  }
  const figures = {
    head: ["", ...option.series.map((x) => x.name)],
    rows: starts.map((day, i) => [{ text: day }, ...option.series.map((x, j) => ({
      text: x.data[i] === null ? "—" : def.fmt(x.data[i] as number),
      href: ticketsOf(day, shown[j]?.group ?? ""),
    }))]),
  };
  return (
    <section class="card" aria-labelledby="trend-title">
      <h2 id="trend-title">{t("trends")}</h2>
      <div class="filters">
        <Field label={t("kpi")}>
          <select name="kpi" value={metric} onChange={(e) => q({ kpi: value(e) })}>
            {kpiDefs.map((d) => <option value={d.key}>{t(d.label)}</option>)}
          </select>
        </Field>
        <Field label={t("every")}>
          <select name="every" value={every} onChange={(e) => q({ every: value(e) })}>
            <option value="day">{t("days")}</option><option value="week">{t("weeks")}</option><option value="month">{t("months")}</option>
          </select>
        </Field>
        <Field label={t("groupBy")}>
          <select name="by" value={by} onChange={(e) => q({ by: value(e) })}>
            {dims.map((d) => <option value={d}>{d ? t(`d_${d}` as Key) : t("none")}</option>)}
          </select>
        </Field>
      </div>
      <p class="muted">{t("clickPoint")}</p>
      <Busy loaded={trends}>{() => <Chart option={option} onClick={open} label={`${t("trends")}: ${t(def.label)}`} figures={figures} />}</Busy>
    </section>
  );
}

function back(day: string, step: "day" | "week" | "month"): string {
  return step === "month" ? addMonths(day, -1) : addDays(day, step === "day" ? -1 : -7);
}

/// Complaint categories' tickets are in the complaints list.
function isComplaint(s: Session, category: string): boolean {
  return s.catalog?.categories.find((c) => c.id === category)?.kind === "complaint";
}

function groupName(group: string, by: string): string {
  if (by === "category") return categoryName(group);
  return group;
}

function Scorecards({ from, to }: { from: string; to: string }) {
  const s = useSession();
  const teams = s.register?.teams ?? [];
  const [open, setOpen] = useState("");
  const cards = useLoad(() => Promise.all(teams.map((tm) => api.surveys.getScorecard({
    siteId: s.site, team: tm.team, from: dayStart(from, s.tz), to: dayStart(to, s.tz),
  }).then((c) => ({ id: tm.team, name: tm.name || tm.team, members: tm.members, card: c })))), [s.site, from, teams.length]);
  const shown = ["csat", "volume", "resolveP50Minutes", "breachRate", "firstTimeFixRate"]
    .map((k) => kpiDef(k as KpiKey));
  const ranked = [...(cards.data ?? [])].sort((a, b) =>
    num(b.card.current, "csat") - num(a.card.current, "csat") || num(b.card.current, "volume") - num(a.card.current, "volume"));
  return (
    <section class="card" aria-labelledby="score-title">
      <h2 id="score-title">{t("scorecards")}</h2>
      <Busy loaded={cards}>{() => (
        <table class="scorecards">
          <thead><tr><th>#</th><th>{t("team")}</th>{shown.map((d) => <th>{t(d.label)}</th>)}</tr></thead>
          <tbody>
            {ranked.map((r, i) => (
              <>
                <tr data-team={r.id}>
                  <td>{i + 1}</td>
                  <td><button type="button" class="link" aria-expanded={open === r.id}
                    onClick={() => setOpen(open === r.id ? "" : r.id)}>{r.name}</button></td>
                  {shown.map((d) => (
                    <td>{has(r.card.current, d.key) ? d.fmt(num(r.card.current, d.key)) : "—"}<br />
                      <Change def={d} cur={r.card.current} prev={r.card.previous} /></td>
                  ))}
                </tr>
                {open === r.id && <MemberRows members={r.members} from={from} to={to} shown={shown} />}
              </>
            ))}
          </tbody>
        </table>
      )}</Busy>
    </section>
  );
}

function MemberRows({ members, from, to, shown }: { members: string[]; from: string; to: string; shown: KpiDef[] }) {
  const s = useSession();
  const cards = useLoad(() => Promise.all(members.map((m) => api.surveys.getScorecard({
    siteId: s.site, member: m, from: dayStart(from, s.tz), to: dayStart(to, s.tz),
  }).then((c) => ({ m, card: c })))), [members.join(), from]);
  const [comments, setComments] = useState("");
  if (!cards.data) return <tr><td colSpan={2 + shown.length}>{cards.error || t("loading")}</td></tr>;
  return (
    <>
      {[...cards.data].sort((a, b) => num(b.card.current, "csat") - num(a.card.current, "csat")).map(({ m, card }) => (
        <>
          <tr class="member-row" data-member={m}>
            <td></td>
            <td><a href={`/tickets?${new URLSearchParams({ kind: "all", assignee: m, from, to: addDays(to, -1) })}`}>{m}</a>{" "}
              <button type="button" class="link" aria-expanded={comments === m}
                onClick={() => setComments(comments === m ? "" : m)}>{t("surveyComments")}</button></td>
            {shown.map((d) => <td>{has(card.current, d.key) ? d.fmt(num(card.current, d.key)) : "—"}</td>)}
          </tr>
          {comments === m && <tr class="member-comments"><td></td>
            <td colSpan={1 + shown.length}><MemberComments member={m} from={from} to={to} /></td></tr>}
        </>
      ))}
    </>
  );
}

/// The survey answers a member's work got in the period: their tickets of the period and the 30
/// days before (a survey is answered after the work), each answer read from the surveys service.
function MemberComments({ member, from, to }: { member: string; from: string; to: string }) {
  const s = useSession();
  const answers = useLoad(async () => {
    const range = { siteId: s.site, assignee: member, pageSize: 500,
      createdAfter: dayStart(addDays(from, -30), s.tz), createdBefore: dayStart(to, s.tz) };
    const done = (await listTickets("all", range)).tickets.filter((x) => x.resolvedAt);
    const surveys = await Promise.all(done.map((x) => api.surveys.getSurvey({ id: `SV-${x.id}` }).catch(() => undefined)));
    const lo = when(dayStart(from, s.tz), s.tz), hi = when(dayStart(to, s.tz), s.tz);
    return surveys.filter((v) => v && v.answeredAt && when(v.answeredAt, s.tz) >= lo && when(v.answeredAt, s.tz) < hi)
      .map((v) => v!).sort((a, b) => (a.answer?.overall ?? 0) - (b.answer?.overall ?? 0));
  }, [s.site, member, from, to]);
  return (
    <Busy loaded={answers}>{() => answers.data!.length === 0 ? <p class="muted">{t("noAnswers")}</p> : (
      <ul class="comments">{answers.data!.map((v) => (
        <li><a href={`/tickets/${v.ticketId}`}>{v.ticketId}</a> <span aria-label={`${v.answer?.overall} / 5`}>
          {"★".repeat(v.answer?.overall ?? 0)}{"☆".repeat(5 - (v.answer?.overall ?? 0))}</span>{" "}
          {v.answer?.comment || <span class="muted">{t("noComment")}</span>}{" "}
          <span class="muted">{when(v.answeredAt!, s.tz).slice(0, 10)}</span></li>
      ))}</ul>
    )}</Busy>
  );
}

function BuildingHeatmap({ from, to }: { from: string; to: string }) {
  const s = useSession();
  const [metric, setMetric] = useState<"volume" | "csat">("volume");
  const heat = useLoad(() => api.surveys.getBuildingHeatmap({
    siteId: s.site, from: dayStart(from, s.tz), to: dayStart(to, s.tz),
  }), [s.site, from]);
  const cells = heat.data?.cells ?? [];
  const cellTickets = (building: string, category: string) => `/tickets?${new URLSearchParams({
    building, category, from, to: addDays(to, -1), ...(isComplaint(s, category) ? { kind: "complaint" } : {}),
  })}`;
  const buildings = [...new Set(cells.map((c) => c.building))];
  const categories = [...new Set(cells.map((c) => c.category))];
  const option = useMemo(() => {
    const data = cells.filter((c) => metric === "volume" || c.responses > 0n).map((c) => [
      categories.indexOf(c.category), buildings.indexOf(c.building),
      metric === "volume" ? Number(c.volume) : Number(c.csat.toFixed(2)),
    ]);
    const values = data.map((d) => d[2] as number);
    return {
      grid: { left: 90, right: 16, top: 16, bottom: 80 },
      xAxis: { type: "category", data: categories.map((c) => categoryName(c)), axisLabel: { rotate: 30 } },
      yAxis: { type: "category", data: buildings },
      visualMap: { min: metric === "csat" ? 1 : 0, max: metric === "csat" ? 5 : Math.max(1, ...values),
        calculable: false, orient: "horizontal", left: "center", bottom: 0, show: false,
        inRange: { color: metric === "csat" ? ["#b3261e", "#f0e5a0", "#17683a"] : ["#eef3fb", "#0b5cad"] } },
      series: [{ type: "heatmap", data, label: { show: true } }],
    };
  }, [heat.data, metric]);
  return (
    <section class="card" aria-labelledby="heat-title">
      <div class="row spread">
        <h2 id="heat-title">{t("heatmap")}</h2>
        <select aria-label={t("kpi")} value={metric} onChange={(e) => setMetric(value(e) as "volume" | "csat")}>
          <option value="volume">{t("k_volume")}</option><option value="csat">{t("k_csat")}</option>
        </select>
      </div>
      <Busy loaded={heat}>{() => cells.length === 0 ? <p class="muted">{t("none")}</p> : (
        <Chart option={option} label={t("heatmap")} tall figures={{
          head: [t("building"), t("category"), t("k_volume"), t("k_csat")],
          rows: cells.map((c) => [{ text: c.building }, { text: categoryName(c.category) },
            { text: String(c.volume), href: cellTickets(c.building, c.category) },
            { text: c.responses > 0n ? c.csat.toFixed(2) : "—" }]),
        }} onClick={(p) => {
          const v = p.value as number[] | undefined;
          if (v) navigate(cellTickets(buildings[v[1]], categories[v[0]]));
        }} />
      )}</Busy>
    </section>
  );
}

function RepeatFaultList() {
  const s = useSession();
  const faults = useLoad(() => api.surveys.repeatFaults({ siteId: s.site }).then((r) => r.faults), [s.site]);
  return (
    <section class="card" aria-labelledby="repeat-title">
      <h2 id="repeat-title">{t("repeatFaults")}</h2>
      <Busy loaded={faults}>{() => faults.data!.length === 0 ? <p class="muted">{t("none")}</p> : (
        <ul class="plain">
          {faults.data!.map((f) => (
            <li data-testid="repeat-fault"><strong>{f.unit}</strong> · {categoryName(f.category)} ·{" "}
              {f.tickets.map((id) => <><a href={`/tickets/${id}`}>{id}</a> </>)}</li>
          ))}
        </ul>
      )}</Busy>
    </section>
  );
}

function PeriodIncidents({ from }: { from: string }) {
  const s = useSession();
  const incidents = useLoad(() => api.repairs.listIncidents({ siteId: s.site, includeResolved: true })
    .then((r) => r.incidents.filter((i) => when(i.createdAt, s.tz).slice(0, 10) >= from)), [s.site, from]);
  return (
    <section class="card" aria-labelledby="inc-title">
      <h2 id="inc-title">{t("incidents")}</h2>
      <Busy loaded={incidents}>{() => incidents.data!.length === 0 ? <p class="muted">{t("none")}</p> : (
        <ul class="plain">{incidents.data!.map((i) => (
          <li><a href={`/incidents?id=${i.id}`}>{i.id}</a> {i.title} · <Time at={i.createdAt} /> · {i.ticketIds.length} {t("ticketsOf")}</li>
        ))}</ul>
      )}</Busy>
    </section>
  );
}

const ageBands: { label: Key; days: number }[] = [
  { label: "ageDay", days: 1 }, { label: "ageThreeDays", days: 3 }, { label: "ageWeek", days: 7 },
  { label: "ageOlder", days: Infinity },
];

/// The open tickets by age, from each team's board (every open ticket is on one).
function Backlog() {
  const s = useSession();
  const teams = s.register?.teams ?? [];
  const boards = useLoad(() => Promise.all(teams.map((tm) => api.dispatch.getBoard({ siteId: s.site, team: tm.team }))),
    [s.site, teams.length]);
  const ages = new Map<string, number>();  // ticket -> days open
  const now = Date.now();
  for (const b of boards.data ?? []) {
    for (const x of [...b.pool, ...b.unrouted, ...b.elsewhere, ...b.members.flatMap((m) => m.tickets)]) {
      const created = x.createdAt ? Number(x.createdAt.seconds) * 1000 : now;
      ages.set(x.id, (now - created) / 86400000);
    }
  }
  const counts = ageBands.map((band, i) =>
    [...ages.values()].filter((d) => d < band.days && (i === 0 || d >= ageBands[i - 1].days)).length);
  return (
    <section class="card" aria-labelledby="backlog-title">
      <h2 id="backlog-title">{t("backlog")}</h2>
      <Busy loaded={boards}>{() => (
        <table data-testid="backlog">
          <tbody>
            {ageBands.map((band, i) => (
              <tr class={i >= 2 && counts[i] > 0 ? "breached" : ""}><th>{t(band.label)}</th><td>{counts[i]}</td></tr>
            ))}
            <tr><th>{t("k_volume")}</th><td data-testid="backlog-total">{ages.size}</td></tr>
          </tbody>
        </table>
      )}</Busy>
    </section>
  );
}

/// Low survey scores of the period and what their follow-up (回訪) found.
function LowScores({ from }: { from: string }) {
  const s = useSession();
  const list = useLoad(() => api.surveys.listFollowUps({ siteId: s.site, includeDone: true })
    .then((r) => r.followUps.filter((f) => when(f.createdAt, s.tz).slice(0, 10) >= from)), [s.site, from]);
  return (
    <section class="card" aria-labelledby="low-title">
      <h2 id="low-title">{t("lowScores")}</h2>
      <Busy loaded={list}>{() => list.data!.length === 0 ? <p class="muted">{t("none")}</p> : (
        <ul class="plain tasks">{list.data!.map((f) => (
          <li><a href={`/tickets/${f.ticketId}`}>{f.ticketId}</a> · {f.team} · {"★".repeat(f.answer?.overall ?? 0)}
            {f.answer?.comment && <> · <q>{f.answer.comment}</q></>}
            <br />{f.outcome ? <>{t("outcome")}: {f.outcome} ({f.doneBy})</> : <span class={f.escalated ? "over" : "muted"}>{t("followUpOpen")}</span>}
          </li>
        ))}</ul>
      )}</Busy>
    </section>
  );
}

// The monthly report: an estate's month on a few printable A4 pages, in the estate's language
// (its first), for the monthly meeting. The page prints as it shows ("Print or save as PDF");
// the figures are the dashboard's counters for the month and the month before.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useMemo } from "preact/hooks";
import { Period, type FollowUpTask, type Kpis } from "../../gen/lobby/v1/surveys_pb";
import { api } from "../api";
import { Chart } from "../chart";
import { languages, nameIn, tIn, type Key } from "../i18n";
import { setQuery, useRoute } from "../router";
import { useSession } from "../session";
import { addDays, addMonths, dayStart, nextPeriod, todayIn, when } from "../time";
import { Busy, Field, useLoad, value } from "../ui";
import { has, kpiDef, kpiDefs, num, verdict, type KpiDef } from "./dashboard";

const teamKpis = (["volume", "csat", "resolveP50Minutes", "breachRate", "reopenRate"] as const).map(kpiDef);

export function Report() {
  const s = useSession();
  const { query } = useRoute();
  const month = /^\d{4}-\d{2}$/.test(query.get("month") ?? "") ? query.get("month")! : todayIn(s.tz).slice(0, 7);
  const estateLang = s.register?.languages[0] ?? "en";
  const lang = query.get("lang") ?? estateLang;
  const tr = (k: Key) => tIn(lang, k);
  const first = `${month}-01`;
  const prev = addMonths(first, -1);
  const next = nextPeriod(first, "month");
  const range = { from: dayStart(first, s.tz), to: dayStart(next, s.tz) };

  const data = useLoad(async () => {
    const [months, days, follow, faults] = await Promise.all([
      api.surveys.getTrends({ siteId: s.site, period: Period.MONTH, from: dayStart(prev, s.tz), to: range.to }),
      api.surveys.getTrends({ siteId: s.site, period: Period.DAY, ...range }),
      api.surveys.listFollowUps({ siteId: s.site, includeDone: true }),
      api.surveys.repeatFaults({ siteId: s.site }),
    ]);
    const teams = await Promise.all((s.register?.teams ?? []).map((tm) =>
      api.surveys.getScorecard({ siteId: s.site, team: tm.team, ...range })
        .then((c) => ({ name: tm.name || tm.team, card: c }))));
    const points = months.series[0]?.points ?? [];
    const at = (day: string) => points.find((p) => when(p.start, s.tz).startsWith(day))?.kpis;
    const worst = follow.followUps
      .filter((f) => { const d = when(f.createdAt, s.tz).slice(0, 10); return d >= first && d < next; })
      .sort((a, b) => (a.answer?.overall ?? 0) - (b.answer?.overall ?? 0)).slice(0, 10);
    return { cur: at(first), prev: at(prev), days: days.series[0]?.points ?? [], teams, worst, faults: faults.faults };
  }, [s.site, month, s.tz]);

  const chart = useMemo(() => {
    const byDay = new Map((data.data?.days ?? []).map((p) => [when(p.start, s.tz).slice(0, 10), Number(p.kpis?.volume ?? 0)]));
    const daysOf: string[] = [];
    for (let d = first; d < next; d = addDays(d, 1)) daysOf.push(d);
    return {
      animation: false,
      grid: { left: 40, right: 10, top: 20, bottom: 30 },
      xAxis: { type: "category", data: daysOf.map((d) => d.slice(8)) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", name: tr("dailyTickets"), data: daysOf.map((d) => byDay.get(d) ?? 0) }],
    };
  }, [data.data, lang]);

  return (
    <article class="report" lang={lang} aria-labelledby="report-title">
      <div class="row no-print">
        <Field label={tr("month")}>
          <input type="month" name="month" value={month} onChange={(e) => setQuery({ month: value(e), lang })} />
        </Field>
        <Field label={tr("reportLanguage")}>
          <select name="lang" value={lang} onChange={(e) => setQuery({ month, lang: value(e) })}>
            {languages.map((l) => <option value={l.id}>{l.name}</option>)}
          </select>
        </Field>
        <button type="button" onClick={() => window.print()}>{tr("print")}</button>
      </div>
      <header class="report-head">
        <h1 id="report-title">{s.register?.name || s.site} · {tr("reportOf")} {month}</h1>
        <p class="muted">{tr("generated")}: {when(timestampFromDate(new Date()), s.tz)} ({s.tz})</p>
      </header>
      <Busy loaded={data}>{() => {
        const d = data.data!;
        return (
          <>
            <section class="report-part">
              <h2>{tr("whatChanged")}</h2>
              <Changes defs={kpiDefs} cur={d.cur} prev={d.prev} tr={tr} />
            </section>
            <section class="report-part">
              <table class="report-kpis">
                <thead><tr><th></th><th>{tr("thisMonthCol")}</th><th>{tr("lastMonthCol")}</th></tr></thead>
                <tbody>{kpiDefs.map((k) => (
                  <tr data-kpi={k.key}><th>{tr(k.label)}</th>
                    <td>{has(d.cur, k.key) ? k.fmt(num(d.cur, k.key)) : "—"}</td>
                    <td>{has(d.prev, k.key) ? k.fmt(num(d.prev, k.key)) : "—"}</td></tr>
                ))}</tbody>
              </table>
            </section>
            <section class="report-part">
              <h2>{tr("dailyTickets")}</h2>
              <Chart option={chart} label={tr("dailyTickets")} />
            </section>
            <section class="report-part">
              <h2>{tr("scorecards")}</h2>
              <table>
                <thead><tr><th>{tr("team")}</th>{teamKpis.map((def) => <th>{tr(def.label)}</th>)}</tr></thead>
                <tbody>{[...d.teams].sort((a, b) => num(b.card.current, "csat") - num(a.card.current, "csat")).map((r) => (
                  <tr><th>{r.name}</th>{teamKpis.map((def) => (
                    <td>{has(r.card.current, def.key) ? def.fmt(num(r.card.current, def.key)) : "—"}</td>
                  ))}</tr>
                ))}</tbody>
              </table>
            </section>
            <section class="report-part">
              <h2>{tr("worstRated")}</h2>
              <Worst items={d.worst} tr={tr} />
            </section>
            <section class="report-part">
              <h2>{tr("repeatFaults")}</h2>
              {d.faults.length === 0 ? <p>{tr("none")}</p> : (
                <ul>{d.faults.map((f) => <li>{f.unit} · {nameIn(s.catalog?.categories.find((c) => c.id === f.category)?.names, f.category)} · {f.tickets.join(", ")}</li>)}</ul>
              )}
            </section>
          </>
        );
      }}</Busy>
    </article>
  );
}

/// The month's changes as sentences: the figures that got better, then worse.
function Changes({ defs, cur, prev, tr }: { defs: KpiDef[]; cur?: Kpis; prev?: Kpis; tr: (k: Key) => string }) {
  const moved = defs.map((d) => ({ d, v: verdict(d, cur, prev) }))
    .filter(({ v }) => v === "better" || v === "worse").map(({ d, v }) => ({ d, good: v === "better" }));
  if (moved.length === 0) return <p>{tr("noChange")}</p>;
  return (
    <ul>{[...moved.filter((m) => m.good), ...moved.filter((m) => !m.good)].map(({ d, good }) => (
      <li class={good ? "better" : "worse"}>{tr(d.label)}: {d.fmt(num(prev, d.key))} → {d.fmt(num(cur, d.key))} ({tr(good ? "better" : "worse")})</li>
    ))}</ul>
  );
}

function Worst({ items, tr }: { items: FollowUpTask[]; tr: (k: Key) => string }) {
  if (items.length === 0) return <p>{tr("none")}</p>;
  return (
    <table>
      <tbody>{items.map((f) => (
        <tr><th>{f.ticketId}</th><td>{f.team}</td><td>{"★".repeat(f.answer?.overall ?? 0)}</td>
          <td>{f.answer?.comment}</td><td>{f.outcome || tr("followUpOpen")}</td></tr>
      ))}</tbody>
    </table>
  );
}


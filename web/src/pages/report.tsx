// The monthly report: an estate's month on a few printable A4 pages, in the estate's language
// (its first), for the monthly meeting. The page prints as it shows ("Print or save as PDF");
// the figures are the dashboard's counters for the month and the month before.
import { timestampFromDate, timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { TicketStatus, type Ticket } from "../../gen/lobby/v1/common_pb";
import { useEffect, useMemo } from "preact/hooks";
import { Period, type FollowUpTask, type Kpis } from "../../gen/lobby/v1/surveys_pb";
import { api, listTickets } from "../api";
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

  const exporting = query.get("export") === "1";
  const data = useLoad(async () => {
    const [months, days, follow, faults] = await Promise.all([
      api.surveys.getTrends({ siteId: s.site, period: Period.MONTH, from: dayStart(prev, s.tz), to: range.to }),
      api.surveys.getTrends({ siteId: s.site, period: Period.DAY, ...range }),
      api.surveys.listFollowUps({ siteId: s.site, includeDone: true }),
      api.surveys.repeatFaults({ siteId: s.site }),
    ]);
    const breaches = await breachesOf(s.site, range.from!, range.to!, dayStart(addDays(first, -31), s.tz)!);
    const teams = await Promise.all((s.register?.teams ?? []).map((tm) =>
      api.surveys.getScorecard({ siteId: s.site, team: tm.team, ...range })
        .then((c) => ({ name: tm.name || tm.team, card: c }))));
    const points = months.series[0]?.points ?? [];
    const at = (day: string) => points.find((p) => when(p.start, s.tz).startsWith(day))?.kpis;
    const worst = follow.followUps
      .filter((f) => { const d = when(f.createdAt, s.tz).slice(0, 10); return d >= first && d < next; })
      .sort((a, b) => (a.answer?.overall ?? 0) - (b.answer?.overall ?? 0)).slice(0, 10);
    return { cur: at(first), prev: at(prev), days: days.series[0]?.points ?? [], teams, worst, faults: faults.faults, breaches };
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

  // For `lobbyctl report monthly`: the page is complete (it checks before printing or saving).
  useEffect(() => {
    if (exporting && data.data) document.documentElement.dataset.ready = "1";
  }, [data.data]);
  return (
    <article class="report" lang={lang} aria-labelledby="report-title">
      {!exporting && <div class="row no-print">
        <Field label={tr("month")}>
          <input type="month" name="month" value={month} onChange={(e) => setQuery({ month: value(e), lang })} />
        </Field>
        <Field label={tr("reportLanguage")}>
          <select name="lang" value={lang} onChange={(e) => setQuery({ month, lang: value(e) })}>
            {languages.map((l) => <option value={l.id}>{l.name}</option>)}
          </select>
        </Field>
        <button type="button" onClick={() => window.print()}>{tr("print")}</button>
      </div>}
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
              <Chart option={chart} label={tr("dailyTickets")} image={exporting} />
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
              <h2>{tr("breaches")}</h2>
              <Breaches items={d.breaches} tr={tr} />
            </section>
            <section class="report-part">
              <h2>{tr("repeatFaults")}</h2>
              {d.faults.length === 0 ? <p>{tr("none")}</p> : (
                <ul>{[...d.faults].sort((a, b) => b.tickets.length - a.tickets.length).slice(0, 10).map((f) => <li>{f.unit} · {nameIn(s.catalog?.categories.find((c) => c.id === f.category)?.names, f.category)} · {f.tickets.join(", ")}</li>)}</ul>
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

/// A ticket that missed a deadline in the month: the first stage it missed, how late that stage
/// was done (or is still, when not done), and why it was on hold on the way (a hold stops the
/// clocks, so a breach with holds says where the time went before or after them).
interface Breach { id: string; team: string; stage: string; lateMinutes: number; holds: string[] }

/// The status a ticket reaches when a stage is done.
const stageDone: Record<string, TicketStatus> = {
  acknowledge: TicketStatus.ACKNOWLEDGED, respond: TicketStatus.ACKNOWLEDGED,
  arrive: TicketStatus.ON_SITE, resolve: TicketStatus.RESOLVED,
};

/// The month's breaches, from its tickets and those of the month before (a ticket reported late
/// in one month may miss its deadline in the next): the first breach of each, when it falls in
/// the month.
async function breachesOf(siteId: string, from: Timestamp, to: Timestamp, since: Timestamp): Promise<Breach[]> {
  const out: Breach[] = [];
  const lo = timestampMs(from), hi = timestampMs(to);
  const take = (list: Ticket[]) => {
    for (const x of list) {
      const b = x.sla?.events.find((e) => e.kind === "breach");
      if (!b?.at || timestampMs(b.at) < lo || timestampMs(b.at) >= hi) continue;
      const holds = x.history.filter((h) => h.toStatus === TicketStatus.ON_HOLD && h.fromStatus !== TicketStatus.ON_HOLD)
        .map((h) => h.note.split(":")[0].toUpperCase());
      const due = b.due ? timestampMs(b.due) : timestampMs(b.at);
      const done = x.history.find((h) => h.toStatus === stageDone[b.stage] && h.fromStatus !== h.toStatus &&
        h.at && timestampMs(h.at) >= due);
      const end = done?.at ? timestampMs(done.at) : Date.now();
      out.push({ id: x.id, team: x.team, stage: b.stage, lateMinutes: Math.max(0, (end - due) / 60000), holds });
    }
  };
  let pageToken = "";
  do {
    const page = await listTickets("all", { siteId, createdAfter: since, createdBefore: to, pageSize: 500, pageToken });
    take(page.tickets);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return out.sort((a, b) => b.lateMinutes - a.lateMinutes);
}

function Breaches({ items, tr }: { items: Breach[]; tr: (k: Key) => string }) {
  if (items.length === 0) return <p>{tr("none")}</p>;
  const count = (keys: string[]) => {
    const m = new Map<string, number>();
    for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
    return [...m.entries()].sort((a, b) => b[1] - a[1]);
  };
  const stages = count(items.map((b) => tr(`st_${b.stage}` as Key) || b.stage));
  const holds = count(items.flatMap((b) => b.holds.length ? [...new Set(b.holds)].map((h) => tr(`h_${h}` as Key) || h) : [tr("notHeld")]));
  const late = (m: number) => m >= 1440 ? `${(m / 1440).toFixed(1)} d` : m >= 60 ? `${(m / 60).toFixed(1)} h` : `${Math.round(m)} min`;
  return (
    <>
      <p class="breach-count">{tr("breachedCount").replace("{n}", String(items.length))}</p>
      <table class="report-causes">
        <tbody>
          <tr><th>{tr("missedStage")}</th><td>{stages.map(([k, n]) => `${k} ${n}`).join(" · ")}</td></tr>
          <tr><th>{tr("heldFor")}</th><td>{holds.map(([k, n]) => `${k} ${n}`).join(" · ")}</td></tr>
        </tbody>
      </table>
      <table class="report-breaches">
        <thead><tr><th>{tr("ticket")}</th><th>{tr("team")}</th><th>{tr("missedStage")}</th><th>{tr("lateBy")}</th><th>{tr("heldFor")}</th></tr></thead>
        <tbody>{items.slice(0, 12).map((b) => (
          <tr><th>{b.id}</th><td>{b.team}</td><td>{tr(`st_${b.stage}` as Key) || b.stage}</td><td>{late(b.lateMinutes)}</td>
            <td>{b.holds.length ? b.holds.map((h) => tr(`h_${h}` as Key) || h).join(", ") : tr("notHeld")}</td></tr>
        ))}</tbody>
      </table>
    </>
  );
}

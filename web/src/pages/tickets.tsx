// The ticket list: every filter is in the URL (/tickets?status=NEW&building=Tower+1), so a list
// can be bookmarked and shared. A technician sees their own work only.
import { useState } from "preact/hooks";
import { Channel, Priority, TicketStatus, type Ticket } from "../../gen/lobby/v1/common_pb";
import { listTickets } from "../api";
import { nameIn, t, type Key } from "../i18n";
import { setQuery, useRoute } from "../router";
import { can, useSession } from "../session";
import { addDays, dayStart } from "../time";
import {
  Busy, categoryName, channelName, Due, Field, PriorityBadge, StatusBadge, statusFromName, Time, unitText, useLoad,
  value,
} from "../ui";

const statuses = ["NEW", "ASSIGNED", "ACKNOWLEDGED", "ON_SITE", "ON_HOLD", "IN_REVIEW", "RESOLVED", "CLOSED", "REOPENED", "CANCELLED"];
const filterNames = ["kind", "building", "status", "category", "priority", "team", "assignee", "channel", "breached", "from", "to"];

export function TicketList() {
  const s = useSession();
  const { query } = useRoute();
  const f = Object.fromEntries(filterNames.map((k) => [k, query.get(k) ?? ""]));
  const mine = can.technicianOnly(s);
  if (mine) f.assignee = s.member;
  const [pages, setPages] = useState<{ tickets: Ticket[]; next: string } | null>(null);
  const key = JSON.stringify([s.site, s.tz, f]);  // dates are days of the estate's zone
  const list = useLoad(async () => {
    setPages(null);
    return fetchPage("");
  }, [key]);

  async function fetchPage(token: string) {
    const req = {
      siteId: s.site, building: f.building, status: statusFromName(f.status), category: f.category,
      team: f.team, assignee: f.assignee, priority: Number(f.priority) as Priority,
      createdAfter: f.from ? dayStart(f.from, s.tz) : undefined,
      createdBefore: f.to ? dayStart(addDays(f.to, 1), s.tz) : undefined,
      pageSize: 100, pageToken: token,
    };
    const r = await listTickets(f.kind, req);
    // Channel and "past a deadline" are read off the tickets of the page.
    const tickets = r.tickets.filter((x) =>
      (!f.channel || channelName(x.channel) === f.channel) && (!f.breached || breachedStages(x).length > 0));
    return { tickets, next: r.nextPageToken };
  }
  const shown = pages ?? list.data;
  const set = (k: string, v: string) => setQuery({ ...f, ...(mine ? { assignee: "" } : {}), [k]: v });
  const active = filterNames.filter((k) => f[k] && !(mine && k === "assignee")).length;
  const teams = s.register?.teams ?? [];
  const members = teams.flatMap((x) => x.members).filter((m, i, a) => a.indexOf(m) === i);

  return (
    <section aria-labelledby="tickets-title">
      <h1 id="tickets-title">{mine ? t("myWork") : t("tickets")}</h1>
      <details class="filter-box" open={window.innerWidth > 900 || undefined}>
      <summary>{t("filters")}{active ? ` (${active})` : ""}</summary>
      <form class="filters" aria-label={t("filters")} onSubmit={(e) => e.preventDefault()}>
        <Field label={t("kind")}>
          <select name="kind" value={f.kind} onChange={(e) => set("kind", value(e))}>
            <option value="">{t("repairs")}</option><option value="complaint">{t("complaints")}</option>
            <option value="all">{t("allKinds")}</option>
          </select>
        </Field>
        <Field label={t("building")}>
          <select name="building" value={f.building} onChange={(e) => set("building", value(e))}>
            <option value="">{t("any")}</option>
            {(s.register?.buildings ?? []).map((b) => <option value={b.name}>{b.name}</option>)}
          </select>
        </Field>
        <Field label={t("status")}>
          <select name="status" value={f.status} onChange={(e) => set("status", value(e))}>
            <option value="">{t("any")}</option>
            {statuses.map((x) => <option value={x}>{t(`s_${x}` as Key)}</option>)}
          </select>
        </Field>
        <Field label={t("category")}>
          <select name="category" value={f.category} onChange={(e) => set("category", value(e))}>
            <option value="">{t("any")}</option>
            {(s.catalog?.categories ?? []).filter((c) => f.kind === "all" || c.kind === (f.kind || "repair"))
              .map((c) => <option value={c.id}>{nameIn(c.names, c.id)}</option>)}
          </select>
        </Field>
        <Field label={t("priority")}>
          <select name="priority" value={f.priority} onChange={(e) => set("priority", value(e))}>
            <option value="">{t("any")}</option>{[1, 2, 3, 4].map((p) => <option value={p}>P{p}</option>)}
          </select>
        </Field>
        <Field label={t("team")}>
          <select name="team" value={f.team} onChange={(e) => set("team", value(e))}>
            <option value="">{t("any")}</option>{teams.map((x) => <option value={x.team}>{x.name || x.team}</option>)}
          </select>
        </Field>
        {!mine && (
          <Field label={t("assignee")}>
            <select name="assignee" value={f.assignee} onChange={(e) => set("assignee", value(e))}>
              <option value="">{t("any")}</option>{members.map((m) => <option value={m}>{m}</option>)}
            </select>
          </Field>
        )}
        <Field label={t("channel")}>
          <select name="channel" value={f.channel} onChange={(e) => set("channel", value(e))}>
            <option value="">{t("any")}</option>
            {Object.values(Channel).filter((c) => typeof c === "number" && c !== 0)
              .map((c) => <option value={channelName(c as Channel)}>{channelName(c as Channel)}</option>)}
          </select>
        </Field>
        <Field label={t("from")}><input type="date" name="from" value={f.from} onChange={(e) => set("from", value(e))} /></Field>
        <Field label={t("to")}><input type="date" name="to" value={f.to} onChange={(e) => set("to", value(e))} /></Field>
        <label class="inline"><input type="checkbox" name="breached" checked={!!f.breached}
          onChange={(e) => set("breached", (e.target as HTMLInputElement).checked ? "1" : "")} />{t("breached")}</label>
        <button type="button" class="link" onClick={() => setQuery({})}>{t("clear")}</button>
      </form>
      </details>
      <Busy loaded={list}>{() => shown!.tickets.length === 0 ? <p class="muted">{t("noTickets")}</p> : (
        <>
          <table class="tickets">
            <thead><tr>
              <th>#</th><th>{t("status")}</th><th>{t("priority")}</th><th>{t("category")}</th>
              <th>{t("location")}</th><th>{t("assignee")}</th><th>{t("created")}</th><th>{t("sla")}</th>
            </tr></thead>
            <tbody>
              {shown!.tickets.map((x) => (
                <tr class={breachedStages(x).length ? "breached" : ""}>
                  <td><a href={`/tickets/${x.id}`}>{x.id}</a></td>
                  <td><StatusBadge status={x.status} /></td>
                  <td><PriorityBadge priority={x.priority} emergency={x.emergency} /></td>
                  <td>{categoryName(x.category)}</td>
                  <td>{placeText(x)}</td>
                  <td>{x.assignee || x.team}</td>
                  <td><Time at={x.createdAt} /></td>
                  <td><NextDue ticket={x} /></td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown!.next && (
            <button type="button" class="secondary" onClick={async () => {
              const more = await fetchPage(shown!.next);
              setPages({ tickets: [...shown!.tickets, ...more.tickets], next: more.next });
            }}>{t("more")}</button>
          )}
        </>
      )}</Busy>
    </section>
  );
}

export function placeText(x: Ticket): string {
  const l = x.location;
  if (!l) return "";
  if (l.unit?.building) return unitText(l.unit);
  return [l.building, l.floor && `${l.floor}/F`, l.area].filter(Boolean).join(" ");
}

/// The stages whose deadline passed (an SLA breach event on the ticket).
export function breachedStages(x: Ticket): string[] {
  return (x.sla?.events ?? []).filter((e) => e.kind === "breach").map((e) => e.stage);
}

function NextDue({ ticket }: { ticket: Ticket }) {
  const sla = ticket.sla;
  if (!sla) return null;
  const S = TicketStatus;
  if ([S.RESOLVED, S.CLOSED, S.CANCELLED].includes(ticket.status)) return null;
  // The next clock: acknowledge (or respond) until acknowledged, then arrive, then resolve.
  const next = ticket.status === S.NEW || ticket.status === S.ASSIGNED ? sla.acknowledgeBy ?? sla.respondBy
    : ticket.status === S.ACKNOWLEDGED ? sla.arriveBy ?? sla.resolveBy : sla.resolveBy;
  return <Due at={next} paused={sla.paused} />;
}

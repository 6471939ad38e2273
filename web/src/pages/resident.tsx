// Residents: finding one by phone or flat, and a resident's page: profile, flat, identities per
// channel, opt-outs and quiet hours, the whole timeline, their tickets; edit, merge a duplicate.
import { useState } from "preact/hooks";
import type { Ticket } from "../../gen/lobby/v1/common_pb";
import { ResidentRole, TimelineEntry_Kind, type Resident, type TimelineEntry } from "../../gen/lobby/v1/residents_pb";
import { api, errorText } from "../api";
import { languages, t } from "../i18n";
import { setQuery, useRoute } from "../router";
import { can, useSession } from "../session";
import { Busy, categoryName, channelName, Field, Problem, StatusBadge, Time, unitText, useLoad, value } from "../ui";
import { PlacePicker, type Place } from "./location";

export function Residents() {
  const s = useSession();
  const { query } = useRoute();
  const phone = query.get("phone") ?? "";
  const place: Place = { building: query.get("building") ?? "", floor: query.get("floor") ?? "", room: query.get("room") ?? "", area: "", common: false };
  const [typed, setTyped] = useState(phone);
  const list = useLoad(() => api.residents.listResidents({
    siteId: phone ? "" : s.site, phone, building: place.building, floor: place.floor, room: place.room, pageSize: 100,
  }).then((r) => r.residents), [s.site, query.toString()]);
  return (
    <section aria-labelledby="residents-title">
      <h1 id="residents-title">{t("residents")}</h1>
      <form class="filters" onSubmit={(e) => { e.preventDefault(); setQuery({ phone: typed }); }}>
        <Field label={t("phoneSearch")}><input type="tel" name="phone" value={typed} onInput={(e) => setTyped(value(e))} /></Field>
        <button>{t("search")}</button>
      </form>
      <PlacePicker place={place} onChange={(p) => setQuery({ building: p.building, floor: p.floor, room: p.room })} />
      <Busy loaded={list}>{() => (
        <table>
          <thead><tr><th>#</th><th>{t("profile")}</th><th>{t("unit")}</th><th>{t("phones")}</th><th>{t("tags")}</th></tr></thead>
          <tbody>{list.data!.map((r) => (
            <tr><td><a href={`/residents/${r.id}`}>{r.id}</a></td><td>{r.name}</td>
              <td>{unitText(r.unit)}</td>
              <td>{r.phones.join(", ")}</td><td>{r.tags.join(", ")}</td></tr>
          ))}</tbody>
        </table>
      )}</Busy>
    </section>
  );
}

export function ResidentPage({ id }: { id: string }) {
  const s = useSession();
  const resident = useLoad(() => api.residents.getResident({ id }), [id]);
  const timeline = useLoad(() => api.residents.listTimeline({ residentId: id, pageSize: 100 }).then((r) => r.entries), [id]);
  const tickets = useLoad(async () => {
    const [r, c] = await Promise.all([
      api.repairs.listRepairs({ siteId: s.site, reporterResidentId: id, pageSize: 100 }),
      api.complaints.listComplaints({ siteId: s.site, reporterResidentId: id, pageSize: 100 }).catch(() => ({ tickets: [] as Ticket[] })),
    ]);
    return [...r.tickets, ...c.tickets].sort((a, b) => Number((b.createdAt?.seconds ?? 0n) - (a.createdAt?.seconds ?? 0n)));
  }, [id, s.site]);
  const [editing, setEditing] = useState(false);
  return (
    <Busy loaded={resident}>{() => {
      const r = resident.data!;
      return (
        <article class="resident" aria-labelledby="resident-title">
          <header class="row spread">
            <h1 id="resident-title">{r.name} <small>{r.id}</small></h1>
            {can.desk(s) && <button type="button" class="secondary" onClick={() => setEditing(!editing)}>{t("edit")}</button>}
          </header>
          <div class="columns">
            <section class="card">
              <h2>{t("profile")}</h2>
              {editing ? <EditResident r={r} done={() => { setEditing(false); resident.reload(); }} /> : (
                <dl class="facts">
                  <dt>{t("unit")}</dt><dd>{unitText(r.unit)} · {ResidentRole[r.role]?.toLowerCase()}</dd>
                  <dt>{t("phones")}</dt><dd>{r.phones.map((p) => <a href={`tel:${p}`}>{p} </a>)}</dd>
                  <dt>{t("language")}</dt><dd>{r.language}</dd>
                  <dt>{t("tags")}</dt><dd>{r.tags.length ? r.tags.map((tag) => <span class={`tag tag-${tag}`}>{tag.replace(/_/g, " ")}</span>) : "—"}</dd>
                  <dt>{t("preferredChannel")}</dt><dd>{channelName(r.preferredChannel) || "—"}</dd>
                  <dt>{t("quietHours")}</dt><dd>{r.quietHours?.start ? `${r.quietHours.start}–${r.quietHours.end}` : "—"}</dd>
                  <dt>{t("optedOut")}</dt><dd>{r.optedOutChannels.map(channelName).join(", ") || "—"}</dd>
                  <dt>{t("identities")}</dt>
                  <dd>{r.identities.length === 0 && "—"}<ul class="plain">{r.identities.map((i) => (
                    <li>{channelName(i.channel)} {i.externalId}{i.verified ? ` · ${t("verified")}` : ""} · <Time at={i.linkedAt} /></li>
                  ))}</ul></dd>
                  {r.mergedIds.length > 0 && (<><dt>{t("mergedInto")}</dt><dd>{r.mergedIds.join(", ")}</dd></>)}
                </dl>
              )}
              {can.manage(s) && <MergeForm r={r} done={resident.reload} />}
            </section>
            <section class="card" aria-labelledby="resident-tickets">
              <h2 id="resident-tickets">{t("ticketsOf")}</h2>
              <Busy loaded={tickets}>{() => (
                <ul class="plain">{tickets.data!.map((x) => (
                  <li><a href={`/tickets/${x.id}`}>{x.id}</a> {categoryName(x.category)} <StatusBadge status={x.status} /> <Time at={x.createdAt} /></li>
                ))}</ul>
              )}</Busy>
            </section>
          </div>
          <section class="card">
            <h2>{t("timeline")}</h2>
            <Busy loaded={timeline}>{() => <Timeline entries={timeline.data!} />}</Busy>
          </section>
        </article>
      );
    }}</Busy>
  );
}

const kindMark: Record<number, string> = {
  [TimelineEntry_Kind.MESSAGE_IN]: "←", [TimelineEntry_Kind.MESSAGE_OUT]: "→",
  [TimelineEntry_Kind.TICKET_EVENT]: "◆", [TimelineEntry_Kind.CALL]: "☎", [TimelineEntry_Kind.NOTE]: "✎",
};
function Timeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <ol class="plain timeline">
      {entries.map((e) => (
        <li class={`tl-${TimelineEntry_Kind[e.kind]?.toLowerCase()}`}>
          <span aria-hidden="true">{kindMark[e.kind] ?? "·"}</span> <Time at={e.at} />
          {[channelName(e.channel), e.actor].filter(Boolean).map((x) => ` · ${x}`)}
          {e.ticketId && <> · <a href={`/tickets/${e.ticketId}`}>{e.ticketId}</a></>}
          <div class="prose">{e.text}</div>
        </li>
      ))}
    </ol>
  );
}

function EditResident({ r, done }: { r: Resident; done: () => void }) {
  const [name, setName] = useState(r.name);
  const [phones, setPhones] = useState(r.phones.join(", "));
  const [tags, setTags] = useState(r.tags.join(", "));
  const [language, setLanguage] = useState(r.language);
  const [quietStart, setQuietStart] = useState(r.quietHours?.start ?? "");
  const [quietEnd, setQuietEnd] = useState(r.quietHours?.end ?? "");
  const [place, setPlace] = useState<Place>({ building: r.unit?.building ?? "", floor: r.unit?.floor ?? "", room: r.unit?.room ?? "", area: "", common: false });
  const [error, setError] = useState("");
  const list = (v: string) => v.split(",").map((x) => x.trim()).filter(Boolean);
  // Only what was changed goes in the mask: an untouched field is left as it is.
  const changed = () => [
    ...(name !== r.name ? ["name"] : []),
    ...(list(phones).join() !== r.phones.join() ? ["phones"] : []),
    ...(list(tags).join() !== r.tags.join() ? ["tags"] : []),
    ...(language !== r.language ? ["language"] : []),
    ...(quietStart !== (r.quietHours?.start ?? "") || quietEnd !== (r.quietHours?.end ?? "") ? ["quiet_hours"] : []),
    ...(place.building !== (r.unit?.building ?? "") || place.floor !== (r.unit?.floor ?? "") ||
      place.room !== (r.unit?.room ?? "") ? ["unit"] : []),
  ];
  return (
    <form class="stack" onSubmit={async (e) => {
      e.preventDefault();
      try {
        const paths = changed();
        if (paths.length === 0) return done();
        await api.residents.updateResident({
          resident: {
            id: r.id, name, phones: list(phones), tags: list(tags), language,
            quietHours: { start: quietStart, end: quietEnd },
            unit: { siteId: r.unit?.siteId ?? "", building: place.building, floor: place.floor, room: place.room },
          },
          updateMask: { paths },
          expectedVersion: r.version,
        });
        done();
      } catch (err) { setError(errorText(err)); }
    }}>
      <Field label={t("profile")}><input required value={name} onInput={(e) => setName(value(e))} /></Field>
      <Field label={t("phones")}><input value={phones} onInput={(e) => setPhones(value(e))} /></Field>
      <Field label={t("tags")}><input value={tags} onInput={(e) => setTags(value(e))} /></Field>
      <Field label={t("language")}>
        <select value={language} onChange={(e) => setLanguage(value(e))}>
          {languages.map((l) => <option value={l.id}>{l.name}</option>)}
        </select>
      </Field>
      <div class="row">
        <Field label={`${t("quietHours")} ${t("from")}`}><input type="time" value={quietStart} onInput={(e) => setQuietStart(value(e))} /></Field>
        <Field label={t("to")}><input type="time" value={quietEnd} onInput={(e) => setQuietEnd(value(e))} /></Field>
      </div>
      <PlacePicker place={place} onChange={setPlace} />
      <Problem text={error} />
      <div class="row"><button>{t("save")}</button><button type="button" class="secondary" onClick={done}>{t("cancel")}</button></div>
    </form>
  );
}

function MergeForm({ r, done }: { r: Resident; done: () => void }) {
  const [other, setOther] = useState("");
  const [error, setError] = useState("");
  return (
    <form class="row" onSubmit={async (e) => {
      e.preventDefault();
      if (!confirm(`${t("mergeConfirm")} ${other} → ${r.id}?`)) return;
      try {
        await api.residents.mergeResidents({ survivorId: r.id, mergedId: other.trim() });
        setOther("");
        done();
      } catch (err) { setError(errorText(err)); }
    }}>
      <Field label={t("merge")}><input placeholder="RS-10002" required value={other} onInput={(e) => setOther(value(e))} /></Field>
      <button class="secondary">{t("mergeConfirm")}</button>
      <Problem text={error} />
    </form>
  );
}


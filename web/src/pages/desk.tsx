// The service desk: the incoming-call panel (HotlineService.WatchCalls), logging a call and
// filing a repair or complaint from it, and the callback and follow-up (回訪) queues.
import { useEffect, useRef, useState } from "preact/hooks";
import { CallState, type Call } from "../../gen/lobby/v1/hotline_pb";
import { Channel, ComplaintSubject, Priority, type Classification } from "../../gen/lobby/v1/common_pb";
import type { TimelineEntry } from "../../gen/lobby/v1/residents_pb";
import { api, errorText } from "../api";
import { nameIn, t, type Key } from "../i18n";
import { useSession } from "../session";
import { fromLocal } from "../time";
import {
  Busy, categoryName, Field, PriorityBadge, Problem, StatusBadge, Time, unitText, useLoad, useStream, value,
} from "../ui";
import { PlacePicker, type Place } from "./location";

export function Desk() {
  const [calls, setCalls] = useState<Call[]>([]);
  const [chosen, setChosen] = useState<string>("");
  const [manual, setManual] = useState(false);
  const [missed, setMissed] = useState(0);  // a missed call adds a callback task: reload them
  const { site } = useSession();

  const live = useStream((signal) => api.hotline.watchCalls({ siteId: site }, { signal }), (ev) => {
    const call = ev.call;
    if (!call) return;
    setCalls((cs) => {
      const old = cs.find((c) => c.id === call.id);
      if (old && old.version > call.version) return cs;
      return [call, ...cs.filter((c) => c.id !== call.id)].slice(0, 8);
    });
    if (call.state === CallState.RINGING) setChosen((c) => c || call.id);
    if (call.state === CallState.MISSED) setMissed((n) => n + 1);
  }, () => setMissed((n) => n + 1), [site]);

  const call = calls.find((c) => c.id === chosen);
  return (
    <div class="desk">
      <section class="calls card" aria-labelledby="calls-title" aria-live="polite">
        <div class="row spread">
          <h2 id="calls-title">{t("incomingCall")}</h2>
          <span class={live ? "live on" : "live"}>{live ? t("live") : t("reconnecting")}</span>
        </div>
        {calls.length === 0 && <p class="muted">{t("noCalls")}</p>}
        <ul class="call-list">
          {calls.map((c) => (
            <li>
              <button type="button" class={c.id === chosen ? "call chosen" : "call"}
                data-testid={`call-${c.id}`} onClick={() => { setChosen(c.id); setManual(false); }}>
                <strong>{c.callerProfile?.name || c.caller}</strong>
                <span class={`badge call-${CallState[c.state]?.toLowerCase()}`}>{t(`c_${CallState[c.state]}` as Key)}</span>
                <Time at={c.startedAt} />
              </button>
            </li>
          ))}
        </ul>
        {call && !manual && <ScreenPop call={call} />}
        <button type="button" class="secondary" onClick={() => { setManual(true); setChosen(""); }}>
          {t("newCall")}
        </button>
      </section>
      {(call || manual) && (
        <section class="card log" aria-labelledby="log-title">
          <h2 id="log-title">{t("logCall")}</h2>
          <CallForm key={call?.id ?? "manual"} call={manual ? undefined : call} />
        </section>
      )}
      <Callbacks missed={missed} />
      <FollowUps />
    </div>
  );
}

function ScreenPop({ call }: { call: Call }) {
  const p = call.callerProfile;
  const timeline = useLoad<TimelineEntry[]>(
    () => (p?.residentId
      ? api.residents.listTimeline({ residentId: p.residentId, pageSize: 5 }).then((r) => r.entries)
      : Promise.resolve([])),
    [p?.residentId],
  );
  return (
    <div class="pop" data-testid="screen-pop">
      <p class="caller">{call.caller}</p>
      {p?.residentId ? (
        <>
          <h3><a href={`/residents/${p.residentId}`}>{p.name}</a></h3>
          <p>{unitText(p.unit)} · {p.language}</p>
          {p.tags.length > 0 && (
            <p class="tags">{p.tags.map((tag) => <span class={`tag tag-${tag}`}>{tag.replace(/_/g, " ")}</span>)}</p>
          )}
          {p.otherResidents > 0 && <p class="note">{p.otherResidents} {t("otherResidents")}</p>}
          {p.lastSurveyScore > 0 && <p>{t("lastSurvey")}: {"★".repeat(p.lastSurveyScore)}{"☆".repeat(5 - p.lastSurveyScore)}</p>}
          <h4>{t("openTickets")}</h4>
          {p.openTickets.length === 0 ? <p class="muted">{t("none")}</p> : (
            <ul class="plain">
              {p.openTickets.map((o) => (
                <li><a href={`/tickets/${o.id}`}>{o.id}</a> {categoryName(o.category)} <StatusBadge status={o.status} /></li>
              ))}
            </ul>
          )}
          <h4>{t("lastMessages")}</h4>
          <Busy loaded={timeline}>{() => (
            <ul class="plain timeline small">
              {timeline.data!.map((e) => <li><Time at={e.at} /> {e.text}</li>)}
            </ul>
          )}</Busy>
        </>
      ) : (
        <p class="note">{t("unknownCaller")}</p>
      )}
    </div>
  );
}

// As the calls service takes them (lobbyctl hotline log --disposition).
const dispositions = ["resolved_on_call", "ticket_created", "follow_up", "information", "complaint", "wrong_number", "other"];

function CallForm({ call }: { call?: Call }) {
  const s = useSession();
  const unit = call?.callerProfile?.unit;
  const [summary, setSummary] = useState("");
  const [disposition, setDisposition] = useState("");
  const [file, setFile] = useState<"" | "repair" | "complaint">("repair");
  const [description, setDescription] = useState("");
  const [category, setCategory] = useState("");
  const [priority, setPriority] = useState<Priority>(Priority.UNSPECIFIED);
  const [picked, setPicked] = useState(false);  // the agent chose the category themself
  const [suggestion, setSuggestion] = useState<Classification | undefined>();
  const [place, setPlace] = useState<Place>({
    building: unit?.building ?? "", floor: unit?.floor ?? "", room: unit?.room ?? "", area: "", common: false,
  });
  const [visitFrom, setVisitFrom] = useState("");
  const [visitTo, setVisitTo] = useState("");
  const [entry, setEntry] = useState(false);
  const [keyNote, setKeyNote] = useState("");
  const [subject, setSubject] = useState(ComplaintSubject.SERVICE);
  const [anonymous, setAnonymous] = useState(false);
  const [error, setError] = useState("");
  const [result, setResult] = useState<{ call: string; ticket?: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const seq = useRef(0);

  // The classifier's category and priority, suggested as the agent types.
  useEffect(() => {
    if (!description.trim() || !file) return;
    const n = ++seq.current;
    const id = setTimeout(() => {
      api.repairs.classify({ siteId: s.site, text: description }).then((c) => {
        if (n !== seq.current) return;
        setSuggestion(c);
        if (!picked && c.category) {
          setCategory(c.category);
          const cat = s.catalog?.categories.find((x) => x.id === c.category);
          if (cat) setPriority(c.emergency ? Priority.P1 : cat.defaultPriority);
          if (cat?.kind === "complaint" || cat?.kind === "repair") setFile(cat.kind as "repair" | "complaint");
        }
      }, () => {});
    }, 250);
    return () => clearTimeout(id);
  }, [description, file]);

  const categories = (s.catalog?.categories ?? []).filter((c) => !file || c.kind === file);
  const cat = s.catalog?.categories.find((c) => c.id === category);
  const safety = cat?.emergency ? nameIn(cat.safetyInstructions, "") : "";

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const location = place.common
        ? { building: place.building, floor: place.floor, area: place.area }
        : { unit: { siteId: s.site, building: place.building, floor: place.floor, room: place.room } };
      const start = fromLocal(visitFrom, s.tz), end = fromLocal(visitTo, s.tz);
      const r = await api.hotline.logCall({
        callId: call?.id ?? `desk-${Date.now().toString(36)}`,
        siteId: call ? "" : s.site,
        summary,
        disposition: disposition || (file ? "ticket_created" : ""),
        newTicket: file ? {
          siteId: s.site, location, category, priority, channel: Channel.PHONE, description,
          details: file === "complaint"
            ? { case: "complaint", value: { subject, anonymous } }
            : { case: "repair", value: {
                visitWindow: start && end ? { start, end } : undefined, entryPermission: entry, keyNote,
              } },
        } : undefined,
      });
      setResult({ call: r.call?.id ?? "", ticket: r.created?.id });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  if (result)
    return (
      <p class="ok" role="status" data-testid="filed">
        {t("logged")} {result.call}.{" "}
        {result.ticket && <>{t("filed")} <a href={`/tickets/${result.ticket}`}>{result.ticket}</a>.</>}
      </p>
    );
  return (
    <form onSubmit={submit} class="stack">
      <Field label={t("summary")}>
        <textarea name="summary" required rows={2} value={summary} onInput={(e) => setSummary(value(e))} />
      </Field>
      <div class="row">
        <Field label={t("disposition")}>
          <select name="disposition" value={disposition} onChange={(e) => setDisposition(value(e))}>
            <option value="">{file ? "ticket_created" : "other"}</option>
            {dispositions.map((d) => <option value={d}>{d.replace(/_/g, " ")}</option>)}
          </select>
        </Field>
        <Field label={t("fileTicket")}>
          <select name="file" value={file} onChange={(e) => setFile(value(e) as "" | "repair" | "complaint")}>
            <option value="">{t("fileNothing")}</option>
            <option value="repair">{t("fileRepair")}</option>
            <option value="complaint">{t("fileComplaint")}</option>
          </select>
        </Field>
      </div>
      {file && (
        <>
          <Field label={t("description")}>
            <textarea name="description" required rows={3} value={description}
              onInput={(e) => setDescription(value(e))} />
          </Field>
          <div class="row">
            <Field label={t("category")}>
              <select name="category" value={category} onChange={(e) => { setCategory(value(e)); setPicked(true); }}>
                <option value="">—</option>
                {categories.map((c) => <option value={c.id}>{nameIn(c.names, c.id)}</option>)}
              </select>
            </Field>
            <Field label={t("priority")}>
              <select name="priority" value={priority} onChange={(e) => setPriority(Number(value(e)))}>
                <option value={0}>—</option>
                {[1, 2, 3, 4].map((p) => <option value={p}>P{p}</option>)}
              </select>
            </Field>
            {suggestion?.category && (
              <p class="suggest" data-testid="suggestion">
                {t("suggested")}: {categoryName(suggestion.category)}
                {suggestion.emergency && <> <PriorityBadge priority={Priority.P1} emergency /></>}
              </p>
            )}
          </div>
          {safety && (
            <aside class="safety" role="alert" data-testid="safety-script">
              <h3>{t("emergencyScript")}</h3>
              <p>{safety}</p>
            </aside>
          )}
          <PlacePicker place={place} onChange={setPlace} />
          {file === "repair" ? (
            <>
              <div class="row">
                <Field label={t("visitFrom")}>
                  <input type="datetime-local" value={visitFrom} onInput={(e) => setVisitFrom(value(e))} />
                </Field>
                <Field label={t("visitTo")}>
                  <input type="datetime-local" value={visitTo} onInput={(e) => setVisitTo(value(e))} />
                </Field>
              </div>
              <label class="inline"><input type="checkbox" checked={entry}
                onChange={(e) => setEntry((e.target as HTMLInputElement).checked)} />{t("entryPermission")}</label>
              {entry && <Field label={t("keyNote")}><input value={keyNote} onInput={(e) => setKeyNote(value(e))} /></Field>}
            </>
          ) : (
            <div class="row">
              <Field label={t("subject")}>
                <select value={subject} onChange={(e) => setSubject(Number(value(e)))}>
                  {Object.entries(ComplaintSubject).filter(([, v]) => typeof v === "number" && v !== 0)
                    .map(([k, v]) => <option value={v}>{t(`sub_${k}` as Key)}</option>)}
                </select>
              </Field>
              <label class="inline"><input type="checkbox" checked={anonymous}
                onChange={(e) => setAnonymous((e.target as HTMLInputElement).checked)} />{t("anonymous")}</label>
            </div>
          )}
        </>
      )}
      <Problem text={error} />
      <button disabled={busy}>{t("logCall")}</button>
    </form>
  );
}

function Queue<T extends { id: string }>({ title, items, empty, render, complete }: {
  title: string; items: ReturnType<typeof useLoad<T[]>>; empty: string;
  render: (x: T) => preact.ComponentChildren; complete: (x: T, outcome: string) => Promise<unknown>;
}) {
  const [outcomes, setOutcomes] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  return (
    <section class="card queue" aria-label={title}>
      <div class="row spread"><h2>{title}</h2><button type="button" class="link" onClick={items.reload}>↻</button></div>
      <Problem text={error} />
      <Busy loaded={items}>{() => items.data!.length === 0 ? <p class="muted">{empty}</p> : (
        <ul class="plain tasks">
          {items.data!.map((x) => (
            <li data-testid={`task-${x.id}`}>
              {render(x)}
              <form class="row" onSubmit={async (e) => {
                e.preventDefault();
                try {
                  await complete(x, outcomes[x.id] ?? "");
                  setError("");
                  items.reload();
                } catch (err) { setError(errorText(err)); }
              }}>
                <input aria-label={`${t("outcome")} ${x.id}`} placeholder={t("outcome")} required
                  value={outcomes[x.id] ?? ""} onInput={(e) => setOutcomes({ ...outcomes, [x.id]: value(e) })} />
                <button>{t("markDone")}</button>
              </form>
            </li>
          ))}
        </ul>
      )}</Busy>
    </section>
  );
}

function Callbacks({ missed }: { missed: number }) {
  const { site } = useSession();
  const items = useLoad(() => api.residents.listCallbacks({ siteId: site }).then((r) => r.tasks.filter((x) => !x.done)), [site, missed]);
  return (
    <Queue title={t("callbacks")} items={items} empty={t("noCallbacks")}
      complete={(x, outcome) => api.residents.completeCallback({ id: x.id, outcome })}
      render={(x) => (
        <p>
          <strong>{x.residentId ? <a href={`/residents/${x.residentId}`}>{x.name || x.residentId}</a> : x.name || x.phone}</strong>{" "}
          <a href={`tel:${x.phone}`}>{x.phone}</a> · {x.reason.replace(/_/g, " ")}
          {x.requests > 1 && <> · {t("asked")} {x.requests} {t("times")}</>} · <Time at={x.createdAt} />
          {x.text && <><br /><q>{x.text}</q></>}
        </p>
      )} />
  );
}

function FollowUps() {
  const { site } = useSession();
  const items = useLoad(() => api.surveys.listFollowUps({ siteId: site }).then((r) => r.followUps), [site]);
  return (
    <Queue title={t("followUps")} items={items} empty={t("noFollowUps")}
      complete={(x, outcome) => api.surveys.completeFollowUp({ id: x.id, outcome })}
      render={(x) => (
        <p>
          <a href={`/tickets/${x.ticketId}`}>{x.ticketId}</a> · {x.team}
          {x.answer && <> · {"★".repeat(x.answer.overall ?? 0)}</>} · <Time at={x.dueAt} />
          {x.escalated && <span class="badge over"> !</span>}
          {x.answer?.comment && <><br /><q>{x.answer.comment}</q></>}
        </p>
      )} />
  );
}

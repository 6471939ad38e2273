// A ticket: where, what, who, its deadlines counting down, history and comments, and every
// action the state machine (services/tickets/state_machine.cc) allows the signed-in person.
import { useState } from "preact/hooks";
import { ComplaintSubject, HoldReason, TicketAction, TicketStatus, type Ticket } from "../../gen/lobby/v1/common_pb";
import type { Decision } from "../../gen/lobby/v1/dispatch_pb";
import { api, errorText, getTicket, ticketsOf } from "../api";
import { t, type Key } from "../i18n";
import { can, useSession, type Session } from "../session";
import { fromLocal } from "../time";
import {
  Busy, categoryName, channelName, Due, Field, PriorityBadge, Problem, ResidentName, stageName, StatusBadge, Time, useLoad,
  value,
} from "../ui";
import { breachedStages, placeText } from "./tickets";

const S = TicketStatus, A = TicketAction;
const repairMoves: Partial<Record<TicketStatus, TicketAction[]>> = {
  [S.NEW]: [A.CANCEL],
  [S.ASSIGNED]: [A.ACKNOWLEDGE, A.CANCEL],
  [S.REOPENED]: [A.ACKNOWLEDGE],
  [S.ACKNOWLEDGED]: [A.ON_THE_WAY, A.ARRIVE, A.HOLD, A.CANCEL],
  [S.ON_SITE]: [A.HOLD, A.RESOLVE],
  [S.ON_HOLD]: [A.RESUME],
  [S.RESOLVED]: [A.CLOSE, A.REOPEN],
  [S.CLOSED]: [A.REOPEN],
};
const complaintMoves: Partial<Record<TicketStatus, TicketAction[]>> = {
  [S.NEW]: [A.CANCEL],
  [S.ASSIGNED]: [A.ACKNOWLEDGE, A.CANCEL],
  [S.REOPENED]: [A.ACKNOWLEDGE],
  [S.ACKNOWLEDGED]: [A.SUBMIT_REVIEW],
  [S.IN_REVIEW]: [A.APPROVE, A.REJECT],
  [S.RESOLVED]: [A.CLOSE, A.REOPEN],
  [S.CLOSED]: [A.REOPEN],
};

/// The actions this person may take on the ticket now.
export function actionsFor(x: Ticket, s: Session): TicketAction[] {
  const moves = (x.id.startsWith("C-") ? complaintMoves : repairMoves)[x.status] ?? [];
  const technician = can.technicianOnly(s);
  if (technician && x.assignee !== s.member) return [];
  return moves.filter((a) => {
    if (a === A.APPROVE || a === A.REJECT) return can.manage(s);
    if (a === A.CLOSE || a === A.REOPEN || a === A.CANCEL) return !technician;
    return true;
  });
}
function actionName(a: TicketAction): string {
  return t(`a_${TicketAction[a]}` as Key);
}

export function TicketPage({ id }: { id: string }) {
  const s = useSession();
  const [ticket, setTicket] = useState<Ticket | undefined>();
  const loaded = useLoad(() => getTicket(id).then((x) => {
    setTicket(x);
    return x;
  }), [id]);
  const x = ticket ?? loaded.data;
  return (
    <Busy loaded={loaded}>{() => <TicketView x={x!} s={s} onChange={setTicket} reload={loaded.reload} />}</Busy>
  );
}

function TicketView({ x, s, onChange, reload }: { x: Ticket; s: Session; onChange: (t: Ticket) => void; reload: () => void }) {
  const [error, setError] = useState("");
  const [hold, setHold] = useState(HoldReason.RESIDENT_ABSENT);
  const [note, setNote] = useState("");
  const [comment, setComment] = useState("");
  const [internal, setInternal] = useState(true);
  const client = ticketsOf(x.id);
  const repair = x.details.case === "repair" ? x.details.value : undefined;
  const complaint = x.details.case === "complaint" ? x.details.value : undefined;

  async function act(f: () => Promise<Ticket>) {
    setError("");
    try {
      onChange(await f());
      setNote("");
    } catch (e) {
      setError(errorText(e));
      reload();
    }
  }
  const breached = breachedStages(x);
  return (
    <article class="ticket" aria-labelledby="ticket-title">
      <header class="row spread">
        <h1 id="ticket-title">{x.id} · {categoryName(x.category)}</h1>
        <div class="row">
          <StatusBadge status={x.status} />
          <PriorityBadge priority={x.priority} emergency={x.emergency} />
          {breached.length > 0 && <span class="badge over">{t("breached")}: {breached.map(stageName).join(", ")}</span>}
        </div>
      </header>
      <Problem text={error} />
      <div class="columns">
        <section class="card">
          <dl class="facts">
            <dt>{t("location")}</dt><dd>{placeText(x)}</dd>
            <dt>{t("description")}</dt><dd class="prose">{x.description}</dd>
            <dt>{t("reporter")}</dt>
            <dd>{x.reporter?.residentId
              ? <a href={`/residents/${x.reporter.residentId}`}>{x.reporter.name || <ResidentName id={x.reporter.residentId} />}</a>
              : x.reporter?.name || x.reporter?.agent || "—"}
              {" · "}{channelName(x.channel)}</dd>
            <dt>{t("team")}</dt><dd>{x.team || (x.notRouted ? `${t("unrouted")}: ${x.notRouted}` : "—")}</dd>
            <dt>{t("assignee")}</dt><dd data-testid="assignee">{x.assignee || (x.team ? t("pool") : "—")}</dd>
            <dt>{t("created")}</dt><dd><Time at={x.createdAt} /></dd>
            {repair?.visitWindow?.start && (<><dt>{t("visitFrom")}</dt><dd><Time at={repair.visitWindow.start} /> – <Time at={repair.visitWindow.end} />{repair.visitWindow.confirmed ? " ✓" : ""}</dd></>)}
            {repair?.entryPermission && (<><dt>{t("entryPermission")}</dt><dd>{repair.keyNote || t("yes")}</dd></>)}
            {repair?.incidentId && (<><dt>{t("incidents")}</dt><dd><a href={`/incidents?id=${repair.incidentId}`}>{repair.incidentId}</a></dd></>)}
            {complaint && (<><dt>{t("subject")}</dt>
              <dd>{t(`sub_${ComplaintSubject[complaint.subject] ?? "OTHER"}` as Key)}{complaint.anonymous ? ` · ${t("anonymous")}` : ""}</dd></>)}
            {complaint?.reviewNote && (<><dt>{t("review")}</dt><dd>{complaint.reviewNote} ({complaint.reviewedBy})</dd></>)}
            {complaint?.followUp?.outcome && (<><dt>{t("followUp")}</dt>
              <dd>{complaint.followUp.outcome} ({complaint.followUp.by}, <Time at={complaint.followUp.at} />)</dd></>)}
          </dl>
          {x.photos.length > 0 && (
            <div class="photos" aria-label={t("photos")}>
              {x.photos.map((p) => <a href={p.url} target="_blank" rel="noopener"><img src={p.url} alt={t("photos")} loading="lazy" /></a>)}
            </div>
          )}
        </section>
        <section class="card" aria-labelledby="sla-title">
          <h2 id="sla-title">{t("sla")}{x.sla?.policy ? ` · ${x.sla.policy}` : ""}</h2>
          <dl class="facts">
            {([["acknowledgeBy", x.sla?.acknowledgeBy], ["arriveBy", x.sla?.arriveBy], ["respondBy", x.sla?.respondBy], ["resolveBy", x.sla?.resolveBy]] as const)
              .filter(([, at]) => at).map(([k, at]) => (<><dt>{t(k)}</dt><dd><Due at={at} paused={x.sla?.paused} /></dd></>))}
          </dl>
          <h2>{t("actions")}</h2>
          <div class="actions">
            {actionsFor(x, s).map((a) => (
              <button type="button" data-action={TicketAction[a]} onClick={() => act(() =>
                client.transition({ id: x.id, action: a, note, holdReason: a === A.HOLD ? hold : 0, expectedVersion: x.version }))}>
                {actionName(a)}
              </button>
            ))}
          </div>
          {actionsFor(x, s).includes(A.HOLD) && (
            <Field label={t("holdReason")}>
              <select value={hold} onChange={(e) => setHold(Number(value(e)))}>
                {[1, 2, 3].map((h) => <option value={h}>{t(`h_${HoldReason[h]}` as Key)}</option>)}
              </select>
            </Field>
          )}
          {actionsFor(x, s).length > 0 && (
            <Field label={t("note")}><input value={note} onInput={(e) => setNote(value(e))} /></Field>
          )}
          {can.assign(s) && <AssignForm x={x} act={act} />}
          {repair && can.assign(s) && x.status !== S.CLOSED && x.status !== S.CANCELLED && <VisitForm x={x} act={act} />}
          {repair && can.assign(s) && !repair.incidentId && <AttachForm x={x} done={reload} />}
        </section>
      </div>
      <div class="columns">
        <section class="card" aria-labelledby="history-title">
          <h2 id="history-title">{t("history")}</h2>
          <ol class="plain timeline">
            {[...x.history].reverse().map((h) => (
              <li><Time at={h.at} /> <strong>{h.action}</strong> · {h.actor}{h.note && <> — {h.note}</>}</li>
            ))}
          </ol>
        </section>
        <section class="card" aria-labelledby="comments-title">
          <h2 id="comments-title">{t("comments")}</h2>
          <ol class="plain timeline">
            {x.comments.map((c) => (
              <li class={c.internal ? "internal" : ""}><Time at={c.at} /> <strong>{c.author}</strong>
                {c.internal ? ` (${t("internal")})` : ` (${t("toResident")})`}: {c.text}</li>
            ))}
          </ol>
          <form class="stack" onSubmit={(e) => {
            e.preventDefault();
            act(() => client.addComment({ id: x.id, internal, text: comment })).then(() => setComment(""));
          }}>
            <Field label={t("addComment")}>
              <textarea required rows={2} value={comment} onInput={(e) => setComment(value(e))} />
            </Field>
            <div class="row">
              <label class="inline"><input type="radio" name="audience" checked={internal} onChange={() => setInternal(true)} />{t("internal")}</label>
              <label class="inline"><input type="radio" name="audience" checked={!internal} onChange={() => setInternal(false)} />{t("toResident")}</label>
              <button>{t("addComment")}</button>
            </div>
          </form>
        </section>
      </div>
    </article>
  );
}

function AssignForm({ x, act }: { x: Ticket; act: (f: () => Promise<Ticket>) => Promise<void> }) {
  const s = useSession();
  const teams = s.register?.teams ?? [];
  const [team, setTeam] = useState(x.team || teams[0]?.team || "");
  const [member, setMember] = useState(x.assignee);
  const [why, setWhy] = useState<Decision | undefined>();
  const [error, setError] = useState("");
  const members = teams.find((tm) => tm.team === team)?.members ?? [];
  return (
    <form class="stack assign" onSubmit={(e) => {
      e.preventDefault();
      act(() => ticketsOf(x.id).assign({ id: x.id, team, assignee: member, expectedVersion: x.version }));
    }}>
      <h3>{t("assign")}</h3>
      <div class="row">
        <Field label={t("team")}>
          <select name="team" value={team} onChange={(e) => { setTeam(value(e)); setMember(""); }}>
            {teams.map((tm) => <option value={tm.team}>{tm.name || tm.team}</option>)}
          </select>
        </Field>
        <Field label={t("assignee")}>
          <select name="assignee" value={member} onChange={(e) => setMember(value(e))}>
            <option value="">{t("pool")}</option>
            {members.map((m) => <option value={m}>{m}</option>)}
          </select>
        </Field>
        <button>{t("assign")}</button>
        <button type="button" class="secondary" onClick={() =>
          api.dispatch.explain({ ticket: x }).then(setWhy, (e) => setError(errorText(e)))}>{t("explain")}</button>
      </div>
      <Problem text={error} />
      {why && <Explanation d={why} />}
    </form>
  );
}

export function Explanation({ d }: { d: Decision }) {
  return (
    <div class="explain" data-testid="explain">
      <p>{d.explanation}</p>
      <p>{t("rule")}: {d.rule || "—"} · {t("team")}: {d.team || "—"} · {t("assignee")}: {d.assignee || t("pool")}</p>
      <table>
        <thead><tr><th>{t("assignee")}</th><th>{t("score")}</th><th>{t("skill")}</th><th>{t("load")}</th><th>{t("seniority")}</th><th>{t("excluded")}</th></tr></thead>
        <tbody>{d.candidates.map((c) => (
          <tr class={c.excluded ? "muted" : ""}><td>{c.member}</td><td>{c.excluded ? "" : c.score.toFixed(2)}</td>
            <td>{c.skill}</td><td>{c.load}/{c.capacity}</td><td>{c.seniority}</td><td>{c.excluded}</td></tr>
        ))}</tbody>
      </table>
    </div>
  );
}

function VisitForm({ x, act }: { x: Ticket; act: (f: () => Promise<Ticket>) => Promise<void> }) {
  const s = useSession();
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  return (
    <form class="row" onSubmit={(e) => {
      e.preventDefault();
      act(() => api.repairs.proposeVisit({ id: x.id, start: fromLocal(from, s.tz), end: fromLocal(to, s.tz) }));
    }}>
      <Field label={t("visitFrom")}><input type="datetime-local" required value={from} onInput={(e) => setFrom(value(e))} /></Field>
      <Field label={t("visitTo")}><input type="datetime-local" required value={to} onInput={(e) => setTo(value(e))} /></Field>
      <button class="secondary">{t("proposeVisit")}</button>
    </form>
  );
}

function AttachForm({ x, done }: { x: Ticket; done: () => void }) {
  const incidents = useLoad(() => api.repairs.listIncidents({ siteId: x.siteId }).then((r) => r.incidents), [x.siteId]);
  const [chosen, setChosen] = useState("");
  const [error, setError] = useState("");
  if (!incidents.data?.length) return null;
  return (
    <form class="row" onSubmit={(e) => {
      e.preventDefault();
      api.repairs.attachToIncident({ incidentId: chosen, ticketIds: [x.id] }).then(done, (err) => setError(errorText(err)));
    }}>
      <Field label={t("attachIncident")}>
        <select required value={chosen} onChange={(e) => setChosen(value(e))}>
          <option value="">—</option>
          {incidents.data.map((i) => <option value={i.id}>{i.id} {i.title}</option>)}
        </select>
      </Field>
      <button class="secondary">{t("attachIncident")}</button>
      <Problem text={error} />
    </form>
  );
}

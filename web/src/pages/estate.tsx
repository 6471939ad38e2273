// The estate as pages: the register, teams, members with their shifts, and SLA policies, read
// from dispatch. Changes stay YAML (lobbyctl apply, or the form here for managers): the
// dry-run's list of changes is shown before anything is applied.
import { useState } from "preact/hooks";
import { Priority } from "../../gen/lobby/v1/common_pb";
import type { Estate, Shift } from "../../gen/lobby/v1/dispatch_pb";
import { api, errorText } from "../api";
import { t } from "../i18n";
import { can, useSession } from "../session";
import { Busy, Field, Problem, useLoad, value } from "../ui";

const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
function shiftText(s: Shift[]): string {
  return s.map((x) => `${days[x.weekday]} ${x.start}–${x.end}`).join(", ");
}

export function EstatePage() {
  const s = useSession();
  const estate = useLoad<Estate>(() => api.dispatch.getEstate({ siteId: s.site }), [s.site]);
  return (
    <section aria-labelledby="estate-title">
      <h1 id="estate-title">{s.register?.name || s.site}</h1>
      <Busy loaded={estate}>{() => {
        const e = estate.data!;
        return (
          <>
            <section class="card">
              <h2>{t("register")}</h2>
              <table>
                <thead><tr><th>{t("building")}</th><th>{t("floors")}</th><th>{t("rooms")}</th><th>{t("commonAreas")}</th></tr></thead>
                <tbody>{e.buildings.map((b) => (
                  <tr><td>{b.name}{b.aliases.length ? ` (${b.aliases.join(", ")})` : ""}</td>
                    <td>{b.levels.map((l) => l.floors.length > 2 ? `${l.floors[0]}–${l.floors[l.floors.length - 1]}` : l.floors.join(", ")).join("; ")}</td>
                    <td>{b.levels.map((l) => l.rooms.join(" ")).join("; ")}</td>
                    <td>{[...b.commonAreas, ...b.otherFloors].join(", ")}</td></tr>
                ))}</tbody>
              </table>
            </section>
            <section class="card">
              <h2>{t("teams")}</h2>
              <table>
                <thead><tr><th>{t("team")}</th><th>{t("categories")}</th><th>{t("building")}</th><th>{t("supervisor")}</th></tr></thead>
                <tbody>{e.teams.map((tm) => (
                  <tr><td>{tm.name || tm.id}</td><td>{tm.categories.join(", ")}</td><td>{tm.buildings.join(", ") || t("any")}</td><td>{tm.supervisor}</td></tr>
                ))}</tbody>
              </table>
            </section>
            <section class="card">
              <h2>{t("members")}</h2>
              <table>
                <thead><tr><th>{t("members")}</th><th>{t("teams")}</th><th>{t("skill")}</th><th>{t("seniority")}</th><th>{t("capacity")}</th><th>{t("shifts")}</th></tr></thead>
                <tbody>{e.members.map((m) => (
                  <tr><td>{m.name || m.id} <small>{m.id}</small></td><td>{m.teams.join(", ")}</td>
                    <td>{Object.entries(m.skills).map(([k, v]) => `${k} ${v}`).join(", ")}</td>
                    <td>{m.seniority}</td><td>{m.capacity}</td>
                    <td>{shiftText(m.shifts)}{m.onCall ? ` · ${t("onCall")}` : ""}</td></tr>
                ))}</tbody>
              </table>
            </section>
            <section class="card">
              <h2>{t("slaPolicies")}</h2>
              <table>
                <thead><tr><th></th><th>{t("kind")}</th><th>{t("priority")}</th><th>{t("acknowledgeBy")}</th><th>{t("arriveBy")}</th><th>{t("resolveBy")}</th></tr></thead>
                <tbody>{e.slaPolicies.map((p) => (
                  <tr><td>{p.name}</td><td>{[...p.kinds, ...p.categories].join(", ") || t("any")}</td>
                    <td>{p.priorities.map((x) => Priority[x]).join(", ") || t("any")}</td>
                    <td>{p.acknowledgeMinutes ? `${p.acknowledgeMinutes} ${t("minutes")}` : "—"}</td>
                    <td>{p.arriveMinutes ? `${p.arriveMinutes} ${t("minutes")}` : "—"}</td>
                    <td>{p.resolveMinutes ? `${p.resolveMinutes} ${t("minutes")}` : "—"}{p.businessHours ? " *" : ""}</td></tr>
                ))}</tbody>
              </table>
            </section>
            {can.manage(s) && <ApplyEstate reload={estate.reload} />}
          </>
        );
      }}</Busy>
    </section>
  );
}

function ApplyEstate({ reload }: { reload: () => void }) {
  const [yaml, setYaml] = useState("");
  const [changes, setChanges] = useState<string[] | null>(null);
  const [error, setError] = useState("");
  const [done, setDone] = useState(false);
  async function run(dryRun: boolean) {
    setError("");
    try {
      const r = await api.dispatch.applyEstate({ yaml, dryRun });
      setChanges(r.changes);
      if (!dryRun) { setDone(true); reload(); }
    } catch (e) { setError(errorText(e)); }
  }
  return (
    <section class="card">
      <h2>{t("applyEstate")}</h2>
      <p class="muted">{t("applyHint")}</p>
      <Field label="YAML"><textarea rows={8} class="mono" value={yaml} onInput={(e) => { setYaml(value(e)); setChanges(null); setDone(false); }} /></Field>
      <Problem text={error} />
      {changes && (changes.length ? <ul data-testid="changes">{changes.map((c) => <li>{c}</li>)}</ul> : <p>{t("noChanges")}</p>)}
      {done && <p class="ok" role="status">{t("applied")}</p>}
      <div class="row">
        <button type="button" class="secondary" onClick={() => run(true)}>{t("preview")}</button>
        <button type="button" disabled={!changes?.length || done} onClick={() => run(false)}>{t("apply")}</button>
      </div>
    </section>
  );
}

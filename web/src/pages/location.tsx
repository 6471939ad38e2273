// Picking a place from the estate's register: a flat (building, floor, room) or a common area.
import type { Building } from "../../gen/lobby/v1/dispatch_pb";
import { t } from "../i18n";
import { useSession } from "../session";
import { Field, value } from "../ui";

export interface Place {
  building: string;
  floor: string;
  room: string;
  area: string;       // set: a common area instead of a flat
  common: boolean;
}

function floorsOf(b?: Building): string[] {
  return b ? b.levels.flatMap((l) => l.floors) : [];
}
function roomsOf(b: Building | undefined, floor: string): string[] {
  return b?.levels.find((l) => l.floors.includes(floor))?.rooms ?? [];
}

/// Selects from the register when the estate has one, free text when it has none.
export function PlacePicker({ place, onChange }: { place: Place; onChange: (p: Place) => void }) {
  const { register } = useSession();
  const buildings = register?.buildings ?? [];
  const b = buildings.find((x) => x.name === place.building);
  const set = (p: Partial<Place>) => onChange({ ...place, ...p });
  const choice = (label: string, current: string, options: string[], f: (v: string) => void, name: string) => (
    <Field label={label}>
      {options.length ? (
        <select name={name} value={current} onChange={(e) => f(value(e))}>
          <option value="">—</option>
          {options.map((o) => <option value={o}>{o}</option>)}
        </select>
      ) : (
        <input name={name} value={current} onInput={(e) => f(value(e))} />
      )}
    </Field>
  );
  return (
    <fieldset class="place">
      <legend>{t("location")}</legend>
      <div class="row">
        <label class="inline"><input type="radio" name="where" checked={!place.common}
          onChange={() => set({ common: false, area: "" })} />{t("inFlat")}</label>
        <label class="inline"><input type="radio" name="where" checked={place.common}
          onChange={() => set({ common: true, room: "" })} />{t("commonArea")}</label>
      </div>
      <div class="row">
        {choice(t("building"), place.building, buildings.map((x) => x.name),
          (v) => set({ building: v, floor: "", room: "", area: "" }), "building")}
        {choice(t("floor"), place.floor, place.common ? [...floorsOf(b), ...(b?.otherFloors ?? [])] : floorsOf(b),
          (v) => set({ floor: v, room: "" }), "floor")}
        {place.common
          ? choice(t("commonArea"), place.area, b?.commonAreas ?? [], (v) => set({ area: v }), "area")
          : choice(t("room"), place.room, roomsOf(b, place.floor), (v) => set({ room: v }), "room")}
      </div>
    </fieldset>
  );
}

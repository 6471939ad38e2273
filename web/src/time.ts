// Every time a person reads is in the estate's time zone (Estate.time_zone), never the
// browser's: an agent in another city sees the estate's clock.
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { lang } from "./i18n";

const formats = new Map<string, Intl.DateTimeFormat>();
function format(tz: string, opts: Intl.DateTimeFormatOptions, key: string): Intl.DateTimeFormat {
  const k = `${lang()}|${tz}|${key}`;
  let f = formats.get(k);
  if (!f) {
    f = new Intl.DateTimeFormat(lang(), { timeZone: tz, hour12: false, ...opts });
    formats.set(k, f);
  }
  return f;
}

export function toDate(ts?: Timestamp): Date | undefined {
  return ts && (ts.seconds !== 0n || ts.nanos !== 0) ? timestampDate(ts) : undefined;
}

/// "2026-12-07 14:05" in the estate's zone.
export function when(ts: Timestamp | undefined, tz: string): string {
  const d = toDate(ts);
  if (!d) return "";
  const p = Object.fromEntries(
    format(tz, {
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    }, "full").formatToParts(d).map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day} ${p.hour === "24" ? "00" : p.hour}:${p.minute}`;
}

/// "14:05" in the estate's zone.
export function clock(ts: Timestamp | undefined, tz: string): string {
  const d = toDate(ts);
  return d ? format(tz, { hour: "2-digit", minute: "2-digit" }, "clock").format(d) : "";
}

/// The zone's offset from UTC at `d`, in minutes (+480 for Asia/Hong_Kong).
function offsetAt(d: Date, tz: string): number {
  const p = Object.fromEntries(
    format(tz, {
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      second: "2-digit",
    }, "offset").formatToParts(d).map((x) => [x.type, x.value]),
  );
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
  return Math.round((asUtc - d.getTime()) / 60000);
}

/// A wall-clock time typed in the estate's zone ("2026-12-08T09:30", as <input
/// type=datetime-local> gives it) as a timestamp.
export function fromLocal(value: string, tz: string): Timestamp | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m) return undefined;
  const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  let t = guess - offsetAt(new Date(guess), tz) * 60000;
  t = guess - offsetAt(new Date(t), tz) * 60000;  // across a DST change
  return timestampFromDate(new Date(t));
}

/// The start of a day ("2026-12-07") in the estate's zone.
export function dayStart(day: string, tz: string): Timestamp | undefined {
  return fromLocal(`${day}T00:00`, tz);
}

/// How long until `ts` (negative: past), in whole minutes.
export function minutesUntil(ts: Timestamp | undefined, now: number): number | undefined {
  const d = toDate(ts);
  return d ? Math.floor((d.getTime() - now) / 60000) : undefined;
}

/// The zone's name as people know it, with its offset: "Asia/Hong_Kong (UTC+8)".
export function zoneLabel(tz: string): string {
  const off = offsetAt(new Date(), tz);
  const h = Math.floor(Math.abs(off) / 60), m = Math.abs(off) % 60;
  return `${tz} (UTC${off < 0 ? "-" : "+"}${h}${m ? `:${String(m).padStart(2, "0")}` : ""})`;
}

/// Today's date in the zone: "2026-12-07".
export function todayIn(tz: string, now = new Date()): string {
  const p = Object.fromEntries(
    format(tz, { year: "numeric", month: "2-digit", day: "2-digit" }, "day")
      .formatToParts(now).map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day}`;
}

/// A calendar day `n` days after `day` ("2026-12-07", -7 → "2026-11-30").
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/// The first day of the period that holds `day`: its ISO week's Monday, or its month's first.
export function periodStart(day: string, period: "week" | "month"): string {
  if (period === "month") return `${day.slice(0, 8)}01`;
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();  // 0 Sunday
  return addDays(day, -((weekday + 6) % 7));
}

/// The same day `n` months on ("2026-12-01", -1 → "2026-11-01"); for first days of months.
export function addMonths(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + n);
  return d.toISOString().slice(0, 10);
}

/// The first day of the period after the one starting on `start`.
export function nextPeriod(start: string, period: "week" | "month" | "day"): string {
  if (period === "day") return addDays(start, 1);
  if (period === "week") return addDays(start, 7);
  return addMonths(start, 1);
}

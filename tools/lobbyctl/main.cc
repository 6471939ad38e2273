// lobbyctl: Lobby's command-line client, for people and scripts.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "lobby/v1/complaints.grpc.pb.h"
#include "lobby/v1/dispatch.grpc.pb.h"
#include "lobby/v1/hotline.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "lobby/v1/surveys.grpc.pb.h"
#include "services/common/estate_register.h"
#include "services/common/grpc_server.h"
#include "services/common/proto_util.h"

namespace {

using google::protobuf::Message;
namespace v1 = lobby::v1;

constexpr char kUsage[] = R"(lobbyctl - Lobby's command-line client

usage: lobbyctl [--addr HOST:PORT] [--token TOKEN] [-o table|json] [--timeout 10s] GROUP COMMAND ...

  --addr     server address (LOBBY_ADDR, default 127.0.0.1:7000)
  --token    bearer token (LOBBY_TOKEN)
  -o         output: table (default) or json (protobuf JSON; lists as {"items": [...]})

residents:
  create --name N --phone P [--phone P2] --site S --building B --floor F --room R
         --role owner|tenant|family [--language zh-Hant|zh-Hans|en] [--tag T]...
         [--preferred-channel sms|telegram|...] [--quiet-hours 22:00-08:00]
  get ID
  list --site S [--building B [--floor F [--room R]]] [--page-size N] [--page-token T] [--all]
  list --phone P
  update ID [--name N] [--phone P]... [--building B --floor F --room R] [--role R] [--language L]
         [--tag T]... [--preferred-channel C] [--quiet-hours HH:MM-HH:MM] [--opt-out C]...
         [--expected-version V]
  import FILE|- [--dry-run]              CSV: name,phone,site,building,floor,room,role[,language]
  link ID --channel C --external-id X [--verified]
  unlink --channel C --external-id X
  resolve --channel C --external-id X
  verify start --channel C --external-id X --phone P --site S --building B --floor F --room R
  verify confirm --verification-id V --code NNNNNN
  merge SURVIVOR_ID MERGED_ID
  timeline ID [--page-size N] [--page-token T]
  note ID --text TEXT                     add a staff note to the timeline
  callbacks --site S [--all]              people the desk must call back (open, oldest first;
                                          --all adds the last 30 days' done ones)
  callback-request --site S (--resident RS-ID | --phone P) --reason R [--text T] [--ticket T]
  callback-done ID --outcome TEXT         record the call back

repairs:
  create --site S (--building B --floor F --room R | --building B --area A [--floor F])
         (--category C | --text "what the resident said") --description D --channel phone|sms|...
         [--resident RS-ID] [--priority P1..P4] [--photo URL]... [--idempotency-key K]
         [--entry-permission] [--key-note N]
  get ID
  list --site S [--status S] [--team T] [--assignee A] [--category C] [--building B]
       [--resident RS-ID] [--priority P2] [--page-size N] [--page-token T] [--all]
  assign ID --team T [--assignee MEMBER-ID] [--note N]
  ack|arrive|resolve|close|reopen|cancel|resume ID [--note N] [--expected-version V]
  hold ID --reason resident_absent|waiting_parts|no_access [--note N]
  visit ID --start "2026-12-01 10:00" --end "2026-12-01 12:00" [--entry-permission] [--key-note N]
                                         (the estate's local time; or RFC 3339 with an offset)
  confirm-visit ID
  comment ID --text T [--internal]
  counts --site S --team T
  classify --site S --text "..."
complaints:
  create --site S (--building B --floor F --room R | --building B --area A) --category C
         --subject neighbour|staff|service|noise|environment|billing|other --description D
         --channel C [--resident RS-ID] [--anonymous] [--idempotency-key K]
  get, list, assign, ack, comment, counts, close, reopen, cancel     as for repairs
  submit-review ID; approve|reject ID --note N (supervisors); follow-up ID --outcome TEXT

incidents:
  create --site S --title T [--building B]... [--category C --auto-attach] [--expected RFC3339]
  attach INCIDENT TICKET...    resolve INCIDENT --resolution TEXT    get ID    list --site S [--all]

catalog get --site S
apply -f FILE [--dry-run]                an estate (teams:, see docs/examples/estate.yaml), survey
                                         settings (surveys:, docs/examples/surveys.yaml) or, with
                                         --site S, a category catalog (categories:)
estate get --site S                      teams, members and rules
estate units --site S [--building B]     the register: buildings, floors, flats, common areas
dispatch explain --site S --category C [--priority P1..P4] [--building B] [--text T] [--kind complaint]
                                         where a ticket would go now, and why
dispatch claim TICKET [--member M]       take a ticket from your team's pool
dispatch decline TICKET --reason R [--member M]      hand it back: it goes to someone else
dispatch transfer TICKET --to M [--member M] [--reason R]   hand it to a colleague
dispatch ack TICKET [--member M]         take on an assigned ticket (a P1: whoever was paged, first wins)
                                         (a technician acts for themself; the desk may name --member)
dispatch watch (--member M | --team T) [--site S] [--cursor C]
                                         assignments and changes, live; reconnects by itself, and
                                         resumes after --cursor (each line starts with its cursor)
dispatch board --site S --team T         open tickets per member, oldest first, breaches marked;
                                         the estate's tickets no team has, with why

surveys get ID | --ticket T              a survey, its status and answer
surveys answer ID --overall N [--speed N] [--attitude N] [--comment C] [--not-fixed] [--nps N]
surveys followups --site S               open return visits after low scores (oldest first)
surveys followup-done ID --outcome TEXT  record what the follow-up found
surveys trends --site S --from DATE --to DATE [--period day|week|month] [--by DIMENSION]
        [--filter DIMENSION=VALUE] [--metrics csat,volume,...] [--csv]
                                         a sparkline per series; dimensions: building, team,
                                         member, category, channel
surveys scorecard --site S (--team T | --member M) --from DATE --to DATE
                                         KPIs against the period of the same length before
surveys heatmap --site S --from DATE --to DATE       volume and CSAT per building x category
        (DATEs are days of the estate's calendar, both included)
surveys repeats --site S                 the same unit and category three times in 90 days
surveys campaign --site S [--building B]... [--title T]   an estate NPS survey (sampled)

hotline watch --site S                   calls as they ring (with the caller's flat, open tickets and
                                         last survey score), are answered, missed and logged; live,
                                         reconnects by itself
hotline get CALL_ID
hotline log CALL_ID --summary TEXT [--disposition resolved_on_call|ticket_created|follow_up|
        information|complaint|wrong_number|other] [--resident RS-ID] [--ticket T]... [--agent A]
        [--site S] [--new repair|complaint --category C [--description D] [--priority P1..P4]
        [--subject S] [--area A --building B [--floor F]]]
                                         an agent's record of a call; --new files a ticket for the
                                         caller (reporter: the agent, channel: phone)

health [--service NAME]                  SERVING / NOT_SERVING (exit 1 unless serving); NAME: residents,
                                         repairs, complaints, dispatch, surveys, hotline, liveness

Exit status: 0 on success, 1 when the server returned an error (printed on stderr), 2 on bad usage.
)";

struct UsageError {
  std::string message;
};

// ------------------------------------------------------------------ arguments

struct Args {
  std::vector<std::string> positional;
  std::multimap<std::string, std::string> flags;

  std::string Get(const std::string& name, const std::string& def = "") const {
    auto it = flags.find(name);
    return it == flags.end() ? def : it->second;
  }
  std::string Require(const std::string& name) const {
    auto it = flags.find(name);
    if (it == flags.end() || it->second.empty()) throw UsageError{"--" + name + " is required"};
    return it->second;
  }
  std::vector<std::string> All(const std::string& name) const {
    std::vector<std::string> out;
    auto [b, e] = flags.equal_range(name);
    for (auto it = b; it != e; ++it) out.push_back(it->second);
    return out;
  }
  bool Has(const std::string& name) const { return flags.count(name) > 0; }
  void Allow(std::initializer_list<const char*> names, size_t positional_count) const {
    std::set<std::string> ok(names.begin(), names.end());
    for (const auto& [k, v] : flags) {
      if (!ok.count(k)) throw UsageError{"unknown flag --" + k + " for this command"};
    }
    if (positional.size() != positional_count) {
      throw UsageError{
          absl::StrCat("expected ", positional_count, " argument(s), got ", positional.size())};
    }
  }
};

const std::set<std::string> kBoolFlags = {
    "all",      "dry-run",   "verified",    "help",      "entry-permission",
    "internal", "anonymous", "auto-attach", "not-fixed", "csv"};

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-o") arg = "--output";
    if (arg == "-h") arg = "--help";
    if (arg == "-f" || arg == "--file") arg = "--f";
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      a.positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2), value;
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (kBoolFlags.count(name)) {
      value = "true";
    } else {
      if (i + 1 >= argc) throw UsageError{"--" + name + " needs a value"};
      value = argv[++i];
    }
    a.flags.emplace(name, value);
  }
  return a;
}

// ------------------------------------------------------------------ output

// Display width of UTF-8 text in a terminal: East Asian wide characters take two columns.
size_t Width(const std::string& s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    uint32_t cp = c;
    int len = 1;
    if (c >= 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else if (c >= 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xC0) {
      len = 2;
      cp = c & 0x1F;
    }
    for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    i += len;
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    w += wide ? 2 : 1;
  }
  return w;
}

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t i = 0; i < header.size(); ++i) widths[i] = Width(header[i]);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], Width(r[i]));
  }
  auto line = [&](const std::vector<std::string>& r) {
    std::string out;
    for (size_t i = 0; i < r.size(); ++i) {
      out += r[i];
      if (i + 1 < r.size()) out += std::string(widths[i] - Width(r[i]) + 2, ' ');
    }
    std::cout << out << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
}

std::string Json(const Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = false;
  (void)google::protobuf::util::MessageToJsonString(m, &out, opts);
  return out;
}

/// Every list, as `-o json` prints it: {"items": [...]} (and "nextPageToken" when there is more).
template <typename List>
std::string JsonItems(const List& list, const std::string& next = "") {
  std::vector<std::string> items;
  for (const auto& x : list) items.push_back(Json(x));
  return absl::StrCat("{\"items\":[", absl::StrJoin(items, ","), "]",
                      next.empty() ? "" : ",\"nextPageToken\":\"" + next + "\"", "}");
}

std::string Lower(std::string_view enum_name, std::string_view prefix) {
  std::string s(enum_name);
  if (s.rfind(prefix, 0) == 0) s = s.substr(prefix.size());
  return absl::AsciiStrToLower(s);
}
std::string ChannelName(int c) { return lobby::ChannelName(static_cast<v1::Channel>(c)); }
std::string RoleName(v1::ResidentRole r) {
  return Lower(v1::ResidentRole_Name(r), "RESIDENT_ROLE_");
}
// Every time lobbyctl prints is in the time zone of the estate it is about, with the offset
// (people of several zones read the same tables). Ctl::UseSite names the estate; its zone is
// looked up only when a time is first printed or read (a JSON answer needs none), once per
// estate; UTC while no estate is named or its zone is unknown.
struct EstateZone {
  std::string site;
  std::function<absl::TimeZone(const std::string&)> lookup;  // set by main
  std::map<std::string, absl::TimeZone> known;
  absl::TimeZone Get() {
    if (site.empty() || !lookup) return absl::UTCTimeZone();
    auto it = known.find(site);
    if (it == known.end()) it = known.emplace(site, lookup(site)).first;
    return it->second;
  }
} g_zone;
std::string Time(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M %Ez", absl::FromUnixSeconds(t.seconds()), g_zone.Get());
}
bool HasOffset(const std::string& v) {
  absl::Time t;
  std::string err;
  return absl::ParseTime(absl::RFC3339_full, v, &t, &err);
}
/// A time typed for --FLAG: RFC 3339, or without an offset ("2026-12-03 10:00",
/// "2026-12-03T10:00") in the estate's zone.
google::protobuf::Timestamp ParseTime(const std::string& flag, const std::string& v) {
  absl::Time t;
  std::string err;
  bool ok = absl::ParseTime(absl::RFC3339_full, v, &t, &err);
  for (const char* f :
       {"%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"}) {
    if (!ok) ok = absl::ParseTime(f, v, g_zone.Get(), &t, &err);
  }
  if (!ok)
    throw UsageError{
        "--" + flag +
        " is a time, e.g. \"2026-12-01 10:00\" (the estate's zone) or 2026-12-01T10:00:00+08:00"};
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}
/// The start of day --FLAG in the estate's zone; `end`: the end of that day (so that
/// --from D --to D is the whole of day D).
google::protobuf::Timestamp ParseDay(const std::string& s, const std::string& flag,
                                     bool end = false) {
  absl::CivilDay d;
  if (!absl::ParseCivilTime(s, &d)) throw UsageError{"--" + flag + " is a date, e.g. 2026-11-01"};
  google::protobuf::Timestamp t;
  t.set_seconds(absl::ToUnixSeconds(absl::FromCivil(end ? d + 1 : d, g_zone.Get())));
  return t;
}
std::string UnitText(const v1::Unit& u) {
  return absl::StrCat(u.site_id(), "/", u.building(), "/", u.floor(), "/", u.room());
}

v1::Channel ParseChannel(const std::string& s) {
  v1::Channel c;
  if (!v1::Channel_Parse("CHANNEL_" + absl::AsciiStrToUpper(s), &c) ||
      c == v1::CHANNEL_UNSPECIFIED) {
    throw UsageError{"unknown channel '" + s +
                     "' (sms, phone, wechat, whatsapp, telegram, line, counter)"};
  }
  return c;
}

v1::ResidentRole ParseRoleFlag(const std::string& s) {
  v1::ResidentRole r;
  if (!v1::ResidentRole_Parse("RESIDENT_ROLE_" + absl::AsciiStrToUpper(s), &r) ||
      r == v1::RESIDENT_ROLE_UNSPECIFIED) {
    throw UsageError{"unknown role '" + s + "' (owner, tenant, family)"};
  }
  return r;
}

// ------------------------------------------------------------------ client

struct Ctl {
  std::string addr, token, output;
  absl::Duration timeout = absl::Seconds(10);
  std::unique_ptr<v1::ResidentService::Stub> residents;

  bool json() const { return output == "json"; }

  std::unique_ptr<v1::RepairService::Stub> repairs;
  std::unique_ptr<v1::ComplaintService::Stub> complaints;
  std::unique_ptr<v1::DispatchService::Stub> dispatch;
  std::shared_ptr<grpc::Channel> channel;
  // Said for UNIMPLEMENTED: which part of Lobby serves what this command asks, and how to start it.
  std::string not_served =
      "this lobbyd does not serve that service (see lobbyctl health --service NAME)";

  /// The error line for a failed call: "error: CODE: message", never an empty message.
  std::string ErrorLine(const grpc::Status& s) const {
    static const char* kNames[] = {"OK",
                                   "CANCELLED",
                                   "UNKNOWN",
                                   "INVALID_ARGUMENT",
                                   "DEADLINE_EXCEEDED",
                                   "NOT_FOUND",
                                   "ALREADY_EXISTS",
                                   "PERMISSION_DENIED",
                                   "RESOURCE_EXHAUSTED",
                                   "FAILED_PRECONDITION",
                                   "ABORTED",
                                   "OUT_OF_RANGE",
                                   "UNIMPLEMENTED",
                                   "INTERNAL",
                                   "UNAVAILABLE",
                                   "DATA_LOSS",
                                   "UNAUTHENTICATED"};
    int code = s.error_code();
    std::string message = s.error_message();
    if (code == grpc::StatusCode::UNIMPLEMENTED)
      message = not_served;
    else if (message.empty())
      message = "(no message)";
    return absl::StrCat("error: ", code >= 0 && code <= 16 ? kNames[code] : "UNKNOWN", ": ",
                        message);
  }

  /// What follows is about estate `site`: times are printed and read in its zone.
  void UseSite(const std::string& site) {
    if (!site.empty()) g_zone.site = site;
  }
  /// The estate's zone: its dispatch setup's, else its survey settings', else UTC.
  absl::TimeZone ZoneOf(const std::string& site) {
    std::string name;
    v1::GetEstateRequest estate_req;
    estate_req.set_site_id(site);
    v1::Estate estate;
    auto dispatch_stub = v1::DispatchService::NewStub(channel);
    if (Invoke(*dispatch_stub, &v1::DispatchService::Stub::GetEstate, estate_req, &estate).ok())
      name = estate.time_zone();
    if (name.empty()) {
      v1::GetSurveySettingsRequest settings_req;
      settings_req.set_site_id(site);
      v1::SurveySettings settings;
      auto surveys_stub = v1::SurveyService::NewStub(channel);
      if (Invoke(*surveys_stub, &v1::SurveyService::Stub::GetSettings, settings_req, &settings)
              .ok())
        name = settings.time_zone();
    }
    absl::TimeZone tz = absl::UTCTimeZone();
    if (!name.empty()) (void)absl::LoadTimeZone(name, &tz);
    return tz;
  }

  /// --site, required: the estate the command is about (its zone is used from here on).
  std::string Site(Args& a) {
    std::string site = a.Require("site");
    UseSite(site);
    return site;
  }

  template <typename Req, typename Resp, typename Method>
  Resp Call(Method method, const Req& req) {
    return CallOn<Req, Resp>(*residents, method, req);
  }

  /// One call with this command's token and deadline.
  template <typename Req, typename Resp, typename Stub, typename Method>
  grpc::Status Invoke(Stub& stub, Method method, const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    lobby::PrepareClientContext(ctx, token, timeout);
    return (stub.*method)(&ctx, req, resp);
  }

  /// The answer, or the error on stderr and exit 1.
  template <typename Req, typename Resp, typename Stub, typename Method>
  Resp CallOn(Stub& stub, Method method, const Req& req) {
    Resp resp;
    grpc::Status s = Invoke(stub, method, req, &resp);
    if (!s.ok()) {
      std::cerr << ErrorLine(s) << "\n";
      std::exit(1);
    }
    return resp;
  }
};

void PrintResident(Ctl& ctl, const v1::Resident& r) {
  ctl.UseSite(r.unit().site_id());
  if (ctl.json()) {
    std::cout << Json(r) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"id", r.id()},
      {"name", r.name()},
      {"phones", absl::StrJoin(r.phones(), ", ")},
      {"unit", UnitText(r.unit())},
      {"role", RoleName(r.role())},
      {"language", r.language()},
      {"tags", absl::StrJoin(r.tags(), ", ")},
      {"preferred channel", r.preferred_channel() ? ChannelName(r.preferred_channel()) : ""},
      {"quiet hours", r.quiet_hours().start().empty()
                          ? ""
                          : r.quiet_hours().start() + "-" + r.quiet_hours().end()},
  };
  std::vector<std::string> opted, idents;
  for (int c : r.opted_out_channels()) opted.push_back(ChannelName(c));
  for (const auto& i : r.identities()) {
    idents.push_back(absl::StrCat(ChannelName(i.channel()), ":", i.external_id(),
                                  i.verified() ? " (verified)" : ""));
  }
  rows.push_back({"opted out", absl::StrJoin(opted, ", ")});
  rows.push_back({"identities", absl::StrJoin(idents, ", ")});
  if (r.merged_ids_size()) rows.push_back({"merged", absl::StrJoin(r.merged_ids(), ", ")});
  rows.push_back({"created", Time(r.created_at())});
  rows.push_back({"updated", Time(r.updated_at())});
  rows.push_back({"version", std::to_string(r.version())});
  PrintTable({"FIELD", "VALUE"}, rows);
}

void PrintResidents(Ctl& ctl, const std::vector<v1::Resident>& list, const std::string& next) {
  if (ctl.json()) {
    std::cout << JsonItems(list, next) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : list) {
    rows.push_back({r.id(), r.name(), r.phones_size() ? r.phones(0) : "", UnitText(r.unit()),
                    RoleName(r.role()), r.language(), absl::StrJoin(r.tags(), ",")});
  }
  PrintTable({"ID", "NAME", "PHONE", "UNIT", "ROLE", "LANG", "TAGS"}, rows);
  if (!next.empty()) std::cout << "(more: --page-token " << next << ", or --all)\n";
}

void SetUnit(const Args& a, v1::Unit* u) {
  u->set_site_id(a.Require("site"));
  u->set_building(a.Require("building"));
  u->set_floor(a.Require("floor"));
  u->set_room(a.Require("room"));
}

void SetQuietHours(const std::string& v, v1::QuietHours* q) {
  std::vector<std::string> parts = absl::StrSplit(v, '-');
  if (parts.size() != 2) throw UsageError{"--quiet-hours is HH:MM-HH:MM, e.g. 22:00-08:00"};
  q->set_start(parts[0]);
  q->set_end(parts[1]);
}

int32_t PageSizeFlag(const Args& a) {
  int32_t n = 0;
  if (a.Has("page-size") && !absl::SimpleAtoi(a.Get("page-size"), &n))
    throw UsageError{"--page-size is a number"};
  return n;
}

void PrintIdentityResult(Ctl& ctl, const v1::ResolveIdentityResponse& r) {
  if (ctl.json()) {
    std::cout << Json(r) << "\n";
    return;
  }
  std::cout << ChannelName(r.identity().channel()) << ":" << r.identity().external_id() << " -> "
            << r.resident().id() << " " << r.resident().name() << " ("
            << UnitText(r.resident().unit()) << ")"
            << (r.identity().verified() ? ", verified" : ", not verified") << "\n";
}

int Residents(Ctl& ctl, Args& a) {
  if (a.positional.size() < 2) throw UsageError{"residents needs a command (see --help)"};
  std::string cmd = a.positional[1];
  a.positional.erase(a.positional.begin(), a.positional.begin() + 2);
  using S = v1::ResidentService::Stub;
  if (cmd == "create") {
    a.Allow({"name", "phone", "site", "building", "floor", "room", "role", "language", "tag",
             "preferred-channel", "quiet-hours"},
            0);
    v1::CreateResidentRequest req;
    v1::Resident* r = req.mutable_resident();
    r->set_name(a.Require("name"));
    for (const auto& p : a.All("phone")) r->add_phones(p);
    if (r->phones().empty()) throw UsageError{"--phone is required"};
    SetUnit(a, r->mutable_unit());
    r->set_role(ParseRoleFlag(a.Require("role")));
    r->set_language(a.Get("language"));
    for (const auto& t : a.All("tag")) r->add_tags(t);
    if (a.Has("preferred-channel"))
      r->set_preferred_channel(ParseChannel(a.Get("preferred-channel")));
    if (a.Has("quiet-hours")) SetQuietHours(a.Get("quiet-hours"), r->mutable_quiet_hours());
    PrintResident(ctl, ctl.Call<v1::CreateResidentRequest, v1::Resident>(&S::CreateResident, req));
  } else if (cmd == "get") {
    a.Allow({}, 1);
    v1::GetResidentRequest req;
    req.set_id(a.positional[0]);
    PrintResident(ctl, ctl.Call<v1::GetResidentRequest, v1::Resident>(&S::GetResident, req));
  } else if (cmd == "list") {
    a.Allow({"site", "building", "floor", "room", "phone", "page-size", "page-token", "all"}, 0);
    v1::ListResidentsRequest req;
    req.set_site_id(a.Get("site"));
    req.set_building(a.Get("building"));
    req.set_floor(a.Get("floor"));
    req.set_room(a.Get("room"));
    req.set_phone(a.Get("phone"));
    req.set_page_size(PageSizeFlag(a));
    req.set_page_token(a.Get("page-token"));
    if (req.site_id().empty() && req.phone().empty())
      throw UsageError{"--site (or --phone) is required"};
    std::vector<v1::Resident> all;
    std::string next;
    do {
      auto resp =
          ctl.Call<v1::ListResidentsRequest, v1::ListResidentsResponse>(&S::ListResidents, req);
      for (auto& r : *resp.mutable_residents()) all.push_back(std::move(r));
      next = resp.next_page_token();
      req.set_page_token(next);
    } while (a.Has("all") && !next.empty());
    PrintResidents(ctl, all, next);
  } else if (cmd == "update") {
    a.Allow({"name", "phone", "building", "floor", "room", "role", "language", "tag",
             "preferred-channel", "quiet-hours", "opt-out", "expected-version"},
            1);
    v1::UpdateResidentRequest req;
    v1::Resident* r = req.mutable_resident();
    r->set_id(a.positional[0]);
    auto* mask = req.mutable_update_mask();
    if (a.Has("name")) {
      r->set_name(a.Get("name"));
      mask->add_paths("name");
    }
    if (a.Has("phone")) {
      for (const auto& p : a.All("phone")) r->add_phones(p);
      mask->add_paths("phones");
    }
    if (a.Has("building") || a.Has("floor") || a.Has("room")) {
      // Moving within the estate: read the current unit so only the given parts change.
      v1::GetResidentRequest get;
      get.set_id(r->id());
      auto cur = ctl.Call<v1::GetResidentRequest, v1::Resident>(&S::GetResident, get);
      *r->mutable_unit() = cur.unit();
      if (a.Has("building")) r->mutable_unit()->set_building(a.Get("building"));
      if (a.Has("floor")) r->mutable_unit()->set_floor(a.Get("floor"));
      if (a.Has("room")) r->mutable_unit()->set_room(a.Get("room"));
      mask->add_paths("unit");
    }
    if (a.Has("role")) {
      r->set_role(ParseRoleFlag(a.Get("role")));
      mask->add_paths("role");
    }
    if (a.Has("language")) {
      r->set_language(a.Get("language"));
      mask->add_paths("language");
    }
    if (a.Has("tag")) {
      for (const auto& t : a.All("tag")) r->add_tags(t);
      mask->add_paths("tags");
    }
    if (a.Has("preferred-channel")) {
      r->set_preferred_channel(ParseChannel(a.Get("preferred-channel")));
      mask->add_paths("preferred_channel");
    }
    if (a.Has("quiet-hours")) {
      SetQuietHours(a.Get("quiet-hours"), r->mutable_quiet_hours());
      mask->add_paths("quiet_hours");
    }
    if (a.Has("opt-out")) {
      for (const auto& c : a.All("opt-out")) {
        if (c != "none") r->add_opted_out_channels(ParseChannel(c));
      }
      mask->add_paths("opted_out_channels");
    }
    if (a.Has("expected-version")) {
      int64_t v;
      if (!absl::SimpleAtoi(a.Get("expected-version"), &v))
        throw UsageError{"--expected-version is a number"};
      req.set_expected_version(v);
    }
    if (mask->paths().empty()) throw UsageError{"nothing to update: give at least one field flag"};
    PrintResident(ctl, ctl.Call<v1::UpdateResidentRequest, v1::Resident>(&S::UpdateResident, req));
  } else if (cmd == "import") {
    a.Allow({"dry-run"}, 1);
    v1::ImportResidentsRequest req;
    std::stringstream buf;
    if (a.positional[0] == "-") {
      buf << std::cin.rdbuf();
    } else {
      std::ifstream in(a.positional[0], std::ios::binary);
      if (!in) throw UsageError{"cannot read " + a.positional[0]};
      buf << in.rdbuf();
    }
    req.set_csv(buf.str());
    req.set_dry_run(a.Has("dry-run"));
    auto resp =
        ctl.Call<v1::ImportResidentsRequest, v1::ImportResidentsResponse>(&S::ImportResidents, req);
    if (ctl.json()) {
      std::cout << Json(resp) << "\n";
    } else {
      std::vector<std::vector<std::string>> rows;
      for (const auto& row : resp.rows()) {
        rows.push_back({std::to_string(row.line()),
                        Lower(v1::ImportRow::Outcome_Name(row.outcome()), "OUTCOME_"),
                        row.resident_id(), row.error()});
      }
      PrintTable({"LINE", "OUTCOME", "RESIDENT", "ERROR"}, rows);
      std::cout << (req.dry_run() ? "dry run, nothing written: " : "") << resp.created()
                << " created, " << resp.updated() << " updated, " << resp.unchanged()
                << " unchanged, " << resp.rejected() << " rejected\n";
    }
    return resp.rejected() > 0 ? 1 : 0;
  } else if (cmd == "link") {
    a.Allow({"channel", "external-id", "verified"}, 1);
    v1::LinkIdentityRequest req;
    req.set_resident_id(a.positional[0]);
    req.set_channel(ParseChannel(a.Require("channel")));
    req.set_external_id(a.Require("external-id"));
    req.set_verified(a.Has("verified"));
    PrintResident(ctl, ctl.Call<v1::LinkIdentityRequest, v1::Resident>(&S::LinkIdentity, req));
  } else if (cmd == "unlink") {
    a.Allow({"channel", "external-id"}, 0);
    v1::UnlinkIdentityRequest req;
    req.set_channel(ParseChannel(a.Require("channel")));
    req.set_external_id(a.Require("external-id"));
    PrintResident(ctl, ctl.Call<v1::UnlinkIdentityRequest, v1::Resident>(&S::UnlinkIdentity, req));
  } else if (cmd == "resolve") {
    a.Allow({"channel", "external-id"}, 0);
    v1::ResolveIdentityRequest req;
    req.set_channel(ParseChannel(a.Require("channel")));
    req.set_external_id(a.Require("external-id"));
    PrintIdentityResult(ctl, ctl.Call<v1::ResolveIdentityRequest, v1::ResolveIdentityResponse>(
                                 &S::ResolveIdentity, req));
  } else if (cmd == "verify") {
    std::string sub = a.positional.empty() ? "" : a.positional[0];
    if (!a.positional.empty()) a.positional.erase(a.positional.begin());
    if (sub == "start") {
      a.Allow({"channel", "external-id", "phone", "site", "building", "floor", "room"}, 0);
      v1::StartVerificationRequest req;
      req.set_channel(ParseChannel(a.Require("channel")));
      req.set_external_id(a.Require("external-id"));
      req.set_phone(a.Require("phone"));
      SetUnit(a, req.mutable_unit());
      auto resp = ctl.Call<v1::StartVerificationRequest, v1::StartVerificationResponse>(
          &S::StartVerification, req);
      if (ctl.json()) {
        std::cout << Json(resp) << "\n";
      } else {
        std::cout << "code sent by SMS to " << resp.masked_phone()
                  << "; confirm with:\n  lobbyctl residents verify confirm --verification-id "
                  << resp.verification_id() << " --code NNNNNN\n(valid until "
                  << Time(resp.expires_at()) << ", " << resp.attempts_allowed() << " attempts)\n";
      }
    } else if (sub == "confirm") {
      a.Allow({"verification-id", "code"}, 0);
      v1::ConfirmVerificationRequest req;
      req.set_verification_id(a.Require("verification-id"));
      req.set_code(a.Require("code"));
      PrintIdentityResult(ctl,
                          ctl.Call<v1::ConfirmVerificationRequest, v1::ResolveIdentityResponse>(
                              &S::ConfirmVerification, req));
    } else {
      throw UsageError{"residents verify start|confirm"};
    }
  } else if (cmd == "merge") {
    a.Allow({}, 2);
    v1::MergeResidentsRequest req;
    req.set_survivor_id(a.positional[0]);
    req.set_merged_id(a.positional[1]);
    PrintResident(ctl, ctl.Call<v1::MergeResidentsRequest, v1::Resident>(&S::MergeResidents, req));
  } else if (cmd == "timeline") {
    a.Allow({"page-size", "page-token"}, 1);
    v1::ListTimelineRequest req;
    req.set_resident_id(a.positional[0]);
    req.set_page_size(PageSizeFlag(a));
    req.set_page_token(a.Get("page-token"));
    auto resp = ctl.Call<v1::ListTimelineRequest, v1::ListTimelineResponse>(&S::ListTimeline, req);
    if (ctl.json()) {
      std::cout << JsonItems(resp.entries(), resp.next_page_token()) << "\n";
    } else {
      std::vector<std::vector<std::string>> rows;
      for (const auto& e : resp.entries()) {
        rows.push_back({Time(e.at()), Lower(v1::TimelineEntry::Kind_Name(e.kind()), "KIND_"),
                        e.channel() ? ChannelName(e.channel()) : "", e.ticket_id(), e.actor(),
                        e.text()});
      }
      PrintTable({"AT", "KIND", "CHANNEL", "TICKET", "BY", "TEXT"}, rows);
      if (!resp.next_page_token().empty())
        std::cout << "(more: --page-token " << resp.next_page_token() << ")\n";
    }
  } else if (cmd == "note") {
    a.Allow({"text"}, 1);
    v1::AppendTimelineRequest req;
    req.set_resident_id(a.positional[0]);
    req.mutable_entry()->set_kind(v1::TimelineEntry::KIND_NOTE);
    req.mutable_entry()->set_text(a.Require("text"));
    req.mutable_entry()->set_actor("lobbyctl");
    auto e = ctl.Call<v1::AppendTimelineRequest, v1::TimelineEntry>(&S::AppendTimeline, req);
    std::cout << (ctl.json() ? Json(e) : "noted: " + e.id()) << "\n";
  } else if (cmd == "callbacks") {
    a.Allow({"site", "all"}, 0);
    v1::ListCallbacksRequest req;
    req.set_site_id(ctl.Site(a));
    req.set_include_done(a.Has("all"));
    req.set_page_size(500);
    auto r = ctl.Call<v1::ListCallbacksRequest, v1::ListCallbacksResponse>(&S::ListCallbacks, req);
    if (ctl.json()) {
      std::cout << JsonItems(r.tasks()) << "\n";
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : r.tasks()) {
      rows.push_back(
          {t.id(), Time(t.created_at()), t.name().empty() ? t.resident_id() : t.name(), t.phone(),
           Lower(v1::Channel_Name(t.channel()), "CHANNEL_"), t.reason(),
           t.done()
               ? "done: " + t.outcome()
               : (t.requests() > 1 ? absl::StrCat("asked ", t.requests(), "x: ") : "") + t.text()});
    }
    PrintTable({"CALLBACK", "SINCE", "WHO", "PHONE", "CHANNEL", "REASON", "NOTE"}, rows);
  } else if (cmd == "callback-request") {
    a.Allow({"site", "resident", "phone", "reason", "text", "ticket"}, 0);
    v1::RequestCallbackRequest req;
    v1::CallbackTask* t = req.mutable_task();
    t->set_site_id(a.Get("site"));
    t->set_resident_id(a.Get("resident"));
    t->set_phone(a.Get("phone"));
    t->set_reason(a.Require("reason"));
    t->set_text(a.Get("text"));
    t->set_ticket_id(a.Get("ticket"));
    t->set_channel(v1::CHANNEL_PHONE);
    auto r = ctl.Call<v1::RequestCallbackRequest, v1::CallbackTask>(&S::RequestCallback, req);
    std::cout << (ctl.json() ? Json(r) : r.id() + (r.requests() > 1 ? " (already open)" : ""))
              << "\n";
  } else if (cmd == "callback-done") {
    a.Allow({"outcome"}, 1);
    v1::CompleteCallbackRequest req;
    req.set_id(a.positional[0]);
    req.set_outcome(a.Require("outcome"));
    auto r = ctl.Call<v1::CompleteCallbackRequest, v1::CallbackTask>(&S::CompleteCallback, req);
    std::cout << (ctl.json() ? Json(r) : r.id() + " done") << "\n";
  } else {
    throw UsageError{"unknown command 'residents " + cmd + "'"};
  }
  return 0;
}

// ------------------------------------------------------------------ tickets

std::string StatusText(v1::TicketStatus s) {
  return Lower(v1::TicketStatus_Name(s), "TICKET_STATUS_");
}
std::string PriorityText(v1::Priority p) {
  return p ? "P" + std::to_string(static_cast<int>(p)) : "";
}
std::string LocationText(const v1::Location& l) {
  if (l.has_unit()) return UnitText(l.unit());
  return absl::StrCat(l.building(), l.floor().empty() ? "" : "/" + l.floor(),
                      l.area().empty() ? "" : " " + l.area());
}
std::string Short(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  size_t cut = n;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
    --cut;  // whole UTF-8 characters
  return s.substr(0, cut) + "…";
}

/// "RS-10001 via bob 陳大文", "anonymous": the parts there are, one space between.
std::string Reporter(const v1::Reporter& r) {
  std::vector<std::string> parts;
  if (!r.resident_id().empty()) parts.push_back(r.resident_id());
  if (!r.agent().empty()) parts.push_back("via " + r.agent());
  if (!r.name().empty()) parts.push_back(r.name());
  return absl::StrJoin(parts, " ");
}

void PrintTicket(Ctl& ctl, const v1::Ticket& t) {
  ctl.UseSite(t.site_id());
  if (ctl.json()) {
    std::cout << Json(t) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"id", t.id()},
      {"status", StatusText(t.status())},
      {"priority", PriorityText(t.priority()) + (t.emergency() ? " (emergency)" : "")},
      {"category", t.category()},
      {"location", LocationText(t.location())},
      {"channel", ChannelName(t.channel())},
      {"reporter", Reporter(t.reporter())},
      {"team",
       t.team().empty() && !t.not_routed().empty() ? "(none: " + t.not_routed() + ")" : t.team()},
      {"assignee", t.assignee()},
      {"description", t.description()},
      {"created", Time(t.created_at())},
      {"version", std::to_string(t.version())},
  };
  if (t.has_repair() && t.repair().has_visit_window()) {
    rows.push_back(
        {"visit", Time(t.repair().visit_window().start()) + " - " +
                      Time(t.repair().visit_window().end()) +
                      (t.repair().visit_window().confirmed() ? " (confirmed)" : " (proposed)")});
  }
  if (t.has_repair() && t.repair().hold_reason()) {
    rows.push_back(
        {"on hold", Lower(v1::HoldReason_Name(t.repair().hold_reason()), "HOLD_REASON_")});
  }
  PrintTable({"FIELD", "VALUE"}, rows);
  std::cout << "\n";
  std::vector<std::vector<std::string>> hist;
  for (const auto& h : t.history()) {
    hist.push_back({Time(h.at()), h.action(),
                    h.from_status()
                        ? StatusText(h.from_status()) + " -> " + StatusText(h.to_status())
                        : StatusText(h.to_status()),
                    h.actor(), h.note()});
  }
  PrintTable({"AT", "ACTION", "STATUS", "BY", "NOTE"}, hist);
  if (t.comments_size()) {
    std::cout << "\n";
    std::vector<std::vector<std::string>> cs;
    for (const auto& c : t.comments())
      cs.push_back({Time(c.at()), c.author(), c.internal() ? "internal" : "to resident", c.text()});
    PrintTable({"AT", "BY", "VISIBLE", "COMMENT"}, cs);
  }
}

void PrintTickets(Ctl& ctl, const std::vector<v1::Ticket>& list, const std::string& next) {
  if (!list.empty()) ctl.UseSite(list[0].site_id());
  if (ctl.json()) {
    std::cout << JsonItems(list, next) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : list) {
    rows.push_back({t.id(), StatusText(t.status()), PriorityText(t.priority()), t.category(),
                    LocationText(t.location()), t.team(), t.assignee(), Time(t.created_at()),
                    Short(t.description(), 40)});
  }
  PrintTable(
      {"ID", "STATUS", "PRI", "CATEGORY", "LOCATION", "TEAM", "ASSIGNEE", "CREATED", "DESCRIPTION"},
      rows);
  if (!next.empty()) std::cout << "(more: --page-token " << next << ", or --all)\n";
}

// The commands repairs and complaints share. Returns -1 when `cmd` is not one of them.
template <typename Stub, typename Get, typename List>
int TicketCommand(Ctl& ctl, Args& a, Stub& stub, const std::string& cmd, Get get_method,
                  List list_method) {
  static const std::map<std::string, v1::TicketAction> kActions = {
      {"ack", v1::TICKET_ACTION_ACKNOWLEDGE},
      {"arrive", v1::TICKET_ACTION_ARRIVE},
      {"hold", v1::TICKET_ACTION_HOLD},
      {"resume", v1::TICKET_ACTION_RESUME},
      {"resolve", v1::TICKET_ACTION_RESOLVE},
      {"close", v1::TICKET_ACTION_CLOSE},
      {"reopen", v1::TICKET_ACTION_REOPEN},
      {"cancel", v1::TICKET_ACTION_CANCEL},
      {"submit-review", v1::TICKET_ACTION_SUBMIT_REVIEW},
      {"approve", v1::TICKET_ACTION_APPROVE},
      {"reject", v1::TICKET_ACTION_REJECT}};
  if (cmd == "get") {
    a.Allow({}, 1);
    v1::GetTicketRequest req;
    req.set_id(a.positional[0]);
    PrintTicket(ctl, ctl.CallOn<v1::GetTicketRequest, v1::Ticket>(stub, get_method, req));
  } else if (cmd == "list") {
    a.Allow({"site", "status", "team", "assignee", "category", "building", "resident", "priority",
             "page-size", "page-token", "all"},
            0);
    v1::ListTicketsRequest req;
    req.set_site_id(ctl.Site(a));
    if (a.Has("status")) {
      v1::TicketStatus st;
      if (!v1::TicketStatus_Parse("TICKET_STATUS_" + absl::AsciiStrToUpper(a.Get("status")), &st))
        throw UsageError{"unknown --status"};
      req.set_status(st);
    }
    if (a.Has("priority")) {
      v1::Priority p;
      if (!v1::Priority_Parse("PRIORITY_" + absl::AsciiStrToUpper(a.Get("priority")), &p))
        throw UsageError{"--priority is P1..P4"};
      req.set_priority(p);
    }
    req.set_team(a.Get("team"));
    req.set_assignee(a.Get("assignee"));
    req.set_category(a.Get("category"));
    req.set_building(a.Get("building"));
    req.set_reporter_resident_id(a.Get("resident"));
    req.set_page_size(PageSizeFlag(a));
    req.set_page_token(a.Get("page-token"));
    std::vector<v1::Ticket> all;
    std::string next;
    do {
      auto resp =
          ctl.CallOn<v1::ListTicketsRequest, v1::ListTicketsResponse>(stub, list_method, req);
      for (auto& t : *resp.mutable_tickets()) all.push_back(std::move(t));
      next = resp.next_page_token();
      req.set_page_token(next);
    } while (a.Has("all") && !next.empty());
    PrintTickets(ctl, all, next);
  } else if (cmd == "assign") {
    a.Allow({"team", "assignee", "note", "expected-version"}, 1);
    v1::AssignRequest req;
    req.set_id(a.positional[0]);
    req.set_team(a.Require("team"));
    req.set_assignee(a.Get("assignee"));
    req.set_note(a.Get("note"));
    int64_t v = 0;
    if (a.Has("expected-version") && !absl::SimpleAtoi(a.Get("expected-version"), &v))
      throw UsageError{"--expected-version is a number"};
    req.set_expected_version(v);
    PrintTicket(ctl, ctl.CallOn<v1::AssignRequest, v1::Ticket>(stub, &Stub::Assign, req));
  } else if (kActions.count(cmd)) {
    a.Allow({"note", "reason", "expected-version"}, 1);
    v1::TransitionRequest req;
    req.set_id(a.positional[0]);
    req.set_action(kActions.at(cmd));
    req.set_note(a.Get("note"));
    if (a.Has("reason")) {
      v1::HoldReason r;
      if (!v1::HoldReason_Parse("HOLD_REASON_" + absl::AsciiStrToUpper(a.Get("reason")), &r)) {
        throw UsageError{"--reason is resident_absent, waiting_parts or no_access"};
      }
      req.set_hold_reason(r);
    }
    int64_t v = 0;
    if (a.Has("expected-version") && !absl::SimpleAtoi(a.Get("expected-version"), &v))
      throw UsageError{"--expected-version is a number"};
    req.set_expected_version(v);
    PrintTicket(ctl, ctl.CallOn<v1::TransitionRequest, v1::Ticket>(stub, &Stub::Transition, req));
  } else if (cmd == "comment") {
    a.Allow({"text", "internal"}, 1);
    v1::AddCommentRequest req;
    req.set_id(a.positional[0]);
    req.set_text(a.Require("text"));
    req.set_internal(a.Has("internal"));
    PrintTicket(ctl, ctl.CallOn<v1::AddCommentRequest, v1::Ticket>(stub, &Stub::AddComment, req));
  } else if (cmd == "counts") {
    a.Allow({"site", "team"}, 0);
    v1::CountByStatusRequest req;
    req.set_site_id(ctl.Site(a));
    req.set_team(a.Require("team"));
    auto resp = ctl.CallOn<v1::CountByStatusRequest, v1::CountByStatusResponse>(
        stub, &Stub::CountByStatus, req);
    if (ctl.json()) {  // a list like every other: {"items": [{"status": "new", "count": 2}, ...]}
      std::vector<std::string> items;
      for (const auto& [k, v] :
           std::map<std::string, int64_t>(resp.counts().begin(), resp.counts().end())) {
        items.push_back(absl::StrCat("{\"status\":\"", k, "\",\"count\":", v, "}"));
      }
      std::cout << "{\"items\":[" << absl::StrJoin(items, ",") << "]}\n";
    } else {
      std::vector<std::vector<std::string>> rows;
      for (const auto& [k, v] :
           std::map<std::string, int64_t>(resp.counts().begin(), resp.counts().end())) {
        rows.push_back({k, std::to_string(v)});
      }
      PrintTable({"STATUS", "TICKETS"}, rows);
    }
  } else {
    return -1;
  }
  return 0;
}

// Location and the fields every new ticket has, from the flags.
void FillNewTicket(Args& a, v1::Ticket* t) {
  t->set_site_id(a.Require("site"));
  if (a.Has("room")) {
    auto* u = t->mutable_location()->mutable_unit();
    u->set_site_id(t->site_id());
    u->set_building(a.Require("building"));
    u->set_floor(a.Require("floor"));
    u->set_room(a.Get("room"));
  } else {
    t->mutable_location()->set_building(a.Require("building"));
    t->mutable_location()->set_floor(a.Get("floor"));
    t->mutable_location()->set_area(a.Get("area"));
  }
  t->set_channel(ParseChannel(a.Require("channel")));
  t->mutable_reporter()->set_resident_id(a.Get("resident"));
  if (a.Has("priority")) {
    v1::Priority p;
    if (!v1::Priority_Parse("PRIORITY_" + absl::AsciiStrToUpper(a.Get("priority")), &p))
      throw UsageError{"--priority is P1..P4"};
    t->set_priority(p);
  }
}

int Repairs(Ctl& ctl, Args& a) {
  if (a.positional.size() < 2) throw UsageError{"repairs needs a command (see --help)"};
  std::string cmd = a.positional[1];
  a.positional.erase(a.positional.begin(), a.positional.begin() + 2);
  using S = v1::RepairService::Stub;
  auto& stub = *ctl.repairs;
  if (int r = TicketCommand(ctl, a, stub, cmd, &S::GetRepair, &S::ListRepairs); r >= 0) return r;
  if (cmd == "create") {
    a.Allow(
        {"site", "building", "floor", "room", "area", "category", "text", "description", "channel",
         "resident", "priority", "photo", "idempotency-key", "entry-permission", "key-note"},
        0);
    v1::CreateTicketRequest req;
    v1::Ticket* t = req.mutable_ticket();
    FillNewTicket(a, t);
    std::string category = a.Get("category");
    if (category.empty()) {
      v1::ClassifyRequest c;
      c.set_site_id(t->site_id());
      c.set_text(a.Require("text"));
      auto guess = ctl.CallOn<v1::ClassifyRequest, v1::Classification>(stub, &S::Classify, c);
      if (guess.category().empty() || guess.kind() != "repair")
        throw UsageError{"could not tell the category from --text; give --category"};
      std::cerr << "category: " << guess.category() << " (confidence " << guess.confidence()
                << ")\n";
      category = guess.category();
    }
    t->set_category(category);
    t->set_description(a.Has("description") ? a.Get("description") : a.Require("text"));
    for (const auto& url : a.All("photo")) {
      auto* ph = t->add_photos();
      ph->set_url(url);
      ph->set_content_type(absl::EndsWith(url, ".mp4")   ? "video/mp4"
                           : absl::EndsWith(url, ".png") ? "image/png"
                                                         : "image/jpeg");
    }
    if (a.Has("entry-permission")) t->mutable_repair()->set_entry_permission(true);
    if (a.Has("key-note")) t->mutable_repair()->set_key_note(a.Get("key-note"));
    req.set_idempotency_key(a.Get("idempotency-key"));
    PrintTicket(ctl, ctl.CallOn<v1::CreateTicketRequest, v1::Ticket>(stub, &S::CreateRepair, req));
  } else if (cmd == "visit") {
    a.Allow({"start", "end", "entry-permission", "key-note"}, 1);
    v1::ProposeVisitRequest req;
    req.set_id(a.positional[0]);
    if (!HasOffset(a.Require("start")) ||
        !HasOffset(a.Require("end"))) {  // then they are the estate's
      v1::GetTicketRequest get;
      get.set_id(req.id());
      ctl.UseSite(ctl.CallOn<v1::GetTicketRequest, v1::Ticket>(stub, &S::GetRepair, get).site_id());
    }
    *req.mutable_start() = ParseTime("start", a.Require("start"));
    *req.mutable_end() = ParseTime("end", a.Require("end"));
    req.set_entry_permission(a.Has("entry-permission"));
    req.set_key_note(a.Get("key-note"));
    PrintTicket(ctl, ctl.CallOn<v1::ProposeVisitRequest, v1::Ticket>(stub, &S::ProposeVisit, req));
  } else if (cmd == "confirm-visit") {
    a.Allow({}, 1);
    v1::GetTicketRequest req;
    req.set_id(a.positional[0]);
    PrintTicket(ctl, ctl.CallOn<v1::GetTicketRequest, v1::Ticket>(stub, &S::ConfirmVisit, req));
  } else if (cmd == "classify") {
    a.Allow({"site", "text"}, 0);
    v1::ClassifyRequest req;
    req.set_site_id(ctl.Site(a));
    req.set_text(a.Require("text"));
    auto c = ctl.CallOn<v1::ClassifyRequest, v1::Classification>(stub, &S::Classify, req);
    if (ctl.json()) {
      std::cout << Json(c) << "\n";
    } else {
      std::cout << (c.category().empty() ? "(no category)" : c.category() + " (" + c.kind() + ")")
                << " confidence " << c.confidence() << (c.emergency() ? " EMERGENCY" : "")
                << (c.matched_size() ? " matched: " + absl::StrJoin(c.matched(), ", ") : "")
                << "\n";
    }
  } else {
    throw UsageError{"unknown command 'repairs " + cmd + "'"};
  }
  return 0;
}

int Complaints(Ctl& ctl, Args& a) {
  if (a.positional.size() < 2) throw UsageError{"complaints needs a command (see --help)"};
  std::string cmd = a.positional[1];
  a.positional.erase(a.positional.begin(), a.positional.begin() + 2);
  using S = v1::ComplaintService::Stub;
  auto& stub = *ctl.complaints;
  if (int r = TicketCommand(ctl, a, stub, cmd, &S::GetComplaint, &S::ListComplaints); r >= 0)
    return r;
  if (cmd == "create") {
    a.Allow({"site", "building", "floor", "room", "area", "category", "subject", "description",
             "channel", "resident", "priority", "anonymous", "idempotency-key"},
            0);
    v1::CreateTicketRequest req;
    v1::Ticket* t = req.mutable_ticket();
    FillNewTicket(a, t);
    t->set_category(a.Require("category"));
    t->set_description(a.Require("description"));
    v1::ComplaintSubject subject;
    if (!v1::ComplaintSubject_Parse(
            "COMPLAINT_SUBJECT_" + absl::AsciiStrToUpper(a.Require("subject")), &subject)) {
      throw UsageError{
          "--subject is neighbour, staff, service, noise, environment, billing or other"};
    }
    t->mutable_complaint()->set_subject(subject);
    t->mutable_complaint()->set_anonymous(a.Has("anonymous"));
    req.set_idempotency_key(a.Get("idempotency-key"));
    PrintTicket(ctl,
                ctl.CallOn<v1::CreateTicketRequest, v1::Ticket>(stub, &S::CreateComplaint, req));
  } else if (cmd == "follow-up") {
    a.Allow({"outcome"}, 1);
    v1::RecordFollowUpRequest req;
    req.set_id(a.positional[0]);
    req.set_outcome(a.Require("outcome"));
    PrintTicket(ctl,
                ctl.CallOn<v1::RecordFollowUpRequest, v1::Ticket>(stub, &S::RecordFollowUp, req));
  } else {
    throw UsageError{"unknown command 'complaints " + cmd + "'"};
  }
  return 0;
}

void PrintIncidents(Ctl& ctl, const std::vector<v1::Incident>& list) {
  if (!list.empty()) ctl.UseSite(list[0].site_id());
  if (ctl.json()) {
    std::cout << JsonItems(list) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& i : list) {
    rows.push_back({i.id(), Lower(v1::IncidentStatus_Name(i.status()), "INCIDENT_STATUS_"),
                    i.category(),
                    i.buildings().empty() ? "(all)" : absl::StrJoin(i.buildings(), ","),
                    std::to_string(i.ticket_ids_size()), Time(i.expected_at()), i.title()});
  }
  PrintTable({"ID", "STATUS", "CATEGORY", "BUILDINGS", "TICKETS", "EXPECTED", "TITLE"}, rows);
}

int Incidents(Ctl& ctl, Args& a) {
  if (a.positional.size() < 2) throw UsageError{"incidents needs a command (see --help)"};
  std::string cmd = a.positional[1];
  a.positional.erase(a.positional.begin(), a.positional.begin() + 2);
  using S = v1::RepairService::Stub;
  auto& stub = *ctl.repairs;
  if (cmd == "create") {
    a.Allow({"site", "building", "category", "title", "description", "expected", "auto-attach"}, 0);
    v1::CreateIncidentRequest req;
    v1::Incident* i = req.mutable_incident();
    i->set_site_id(ctl.Site(a));
    for (const auto& b : a.All("building")) i->add_buildings(b);
    i->set_category(a.Get("category"));
    i->set_title(a.Require("title"));
    i->set_description(a.Get("description"));
    if (a.Has("expected")) *i->mutable_expected_at() = ParseTime("expected", a.Get("expected"));
    i->set_auto_attach(a.Has("auto-attach"));
    PrintIncidents(
        ctl, {ctl.CallOn<v1::CreateIncidentRequest, v1::Incident>(stub, &S::CreateIncident, req)});
  } else if (cmd == "attach") {
    a.Allow({}, a.positional.size() < 2 ? 2 : a.positional.size());
    v1::AttachToIncidentRequest req;
    req.set_incident_id(a.positional[0]);
    for (size_t k = 1; k < a.positional.size(); ++k) req.add_ticket_ids(a.positional[k]);
    PrintIncidents(ctl, {ctl.CallOn<v1::AttachToIncidentRequest, v1::Incident>(
                            stub, &S::AttachToIncident, req)});
  } else if (cmd == "resolve") {
    a.Allow({"resolution"}, 1);
    v1::ResolveIncidentRequest req;
    req.set_id(a.positional[0]);
    req.set_resolution(a.Require("resolution"));
    PrintIncidents(ctl, {ctl.CallOn<v1::ResolveIncidentRequest, v1::Incident>(
                            stub, &S::ResolveIncident, req)});
  } else if (cmd == "get") {
    a.Allow({}, 1);
    v1::GetIncidentRequest req;
    req.set_id(a.positional[0]);
    auto i = ctl.CallOn<v1::GetIncidentRequest, v1::Incident>(stub, &S::GetIncident, req);
    PrintIncidents(ctl, {i});
    if (!ctl.json()) std::cout << "tickets: " << absl::StrJoin(i.ticket_ids(), ", ") << "\n";
  } else if (cmd == "list") {
    a.Allow({"site", "all"}, 0);
    v1::ListIncidentsRequest req;
    req.set_site_id(ctl.Site(a));
    req.set_include_resolved(a.Has("all"));
    auto resp = ctl.CallOn<v1::ListIncidentsRequest, v1::ListIncidentsResponse>(
        stub, &S::ListIncidents, req);
    PrintIncidents(ctl, {resp.incidents().begin(), resp.incidents().end()});
  } else {
    throw UsageError{"unknown command 'incidents " + cmd + "'"};
  }
  return 0;
}

/// dispatch watch: one line per event, as it comes; on a dropped stream it reconnects (with
/// backoff) from the last cursor it printed, so nothing is missed and nothing repeated.
int Watch(Ctl& ctl, Args& a) {
  a.Allow({"member", "team", "site", "cursor"}, 0);
  v1::WatchAssignmentsRequest req;
  req.set_member(a.Get("member"));
  req.set_team(a.Get("team"));
  req.set_site_id(a.Get("site"));
  req.set_cursor(a.Get("cursor"));
  if (req.member().empty() == req.team().empty())
    throw UsageError{"dispatch watch needs --member or --team"};
  absl::Duration backoff = absl::Milliseconds(200);
  for (;;) {
    grpc::ClientContext ctx;
    lobby::PrepareClientContext(ctx, ctl.token, absl::Hours(24));
    auto reader = ctl.dispatch->WatchAssignments(&ctx, req);
    v1::AssignmentEvent e;
    while (reader->Read(&e)) {
      backoff = absl::Milliseconds(200);
      req.set_cursor(e.cursor());
      if (e.type() == "watch.started") {
        std::cerr << "watching from " << e.cursor() << "\n";
        continue;
      }
      if (ctl.json()) {
        std::cout << Json(e) << std::endl;
        continue;
      }
      ctl.UseSite(e.site_id());
      std::cout << absl::StrJoin({e.cursor(), Time(e.at()), e.type().substr(e.type().find('.') + 1),
                                  e.ticket_id(),
                                  Lower(v1::Priority_Name(e.priority()), "PRIORITY_") +
                                      (e.emergency() ? " EMERGENCY" : ""),
                                  e.category(), e.building().empty() ? "-" : e.building(),
                                  e.assignee().empty() ? e.team() + " pool" : e.assignee(),
                                  e.note().substr(0, 120)},
                                 "  ")
                << std::endl;
    }
    grpc::Status s = reader->Finish();
    switch (s.error_code()) {
      case grpc::StatusCode::INVALID_ARGUMENT:
      case grpc::StatusCode::PERMISSION_DENIED:
      case grpc::StatusCode::UNAUTHENTICATED:
      case grpc::StatusCode::NOT_FOUND:
        std::cerr << "error: " << s.error_message() << "\n";
        return 1;
      default:
        std::cerr << "watch: " << (s.ok() ? "stream ended" : s.error_message())
                  << "; reconnecting from " << (req.cursor().empty() ? "now" : req.cursor())
                  << "\n";
        absl::SleepFor(backoff);
        backoff = std::min(backoff * 2, absl::Seconds(10));
    }
  }
}

int Dispatch(Ctl& ctl, Args& a) {
  std::string group = a.positional[0];
  std::string cmd = a.positional.size() > 1 ? a.positional[1] : "";
  a.positional.erase(a.positional.begin(),
                     a.positional.begin() + std::min<size_t>(2, a.positional.size()));
  using S = v1::DispatchService::Stub;
  if (group == "estate" && cmd == "get") {
    a.Allow({"site"}, 0);
    v1::GetEstateRequest req;
    req.set_site_id(ctl.Site(a));
    auto e = ctl.CallOn<v1::GetEstateRequest, v1::Estate>(*ctl.dispatch, &S::GetEstate, req);
    if (ctl.json()) {
      std::cout << Json(e) << "\n";
      return 0;
    }
    std::cout << "estate " << e.site_id() << " (" << e.time_zone() << ")\n\n";
    std::vector<std::vector<std::string>> teams;
    for (const auto& t : e.teams()) {
      teams.push_back({t.id(), absl::StrJoin(t.categories(), ","),
                       t.buildings().empty() ? "(all)" : absl::StrJoin(t.buildings(), ","),
                       t.supervisor(), t.fallback()});
    }
    PrintTable({"TEAM", "CATEGORIES", "BUILDINGS", "SUPERVISOR", "FALLBACK"}, teams);
    std::cout << "\n";
    std::vector<std::vector<std::string>> members;
    for (const auto& m : e.members()) {
      std::vector<std::string> skills;
      for (const auto& [k, v] : std::map<std::string, int>(m.skills().begin(), m.skills().end()))
        skills.push_back(k + ":" + std::to_string(v));
      members.push_back({m.id(), absl::StrJoin(m.teams(), ","), absl::StrJoin(skills, " "),
                         std::to_string(m.seniority()), std::to_string(m.capacity()),
                         m.on_call() ? "on call" : std::to_string(m.shifts_size()) + " shifts"});
    }
    PrintTable({"MEMBER", "TEAMS", "SKILLS", "SENIORITY", "CAPACITY", "WORKS"}, members);
    std::cout << "\n";
    std::vector<std::vector<std::string>> rules;
    for (const auto& r : e.rules())
      rules.push_back({r.name(), r.team(), std::to_string(r.min_skill())});
    PrintTable({"RULE (first match wins)", "TEAM", "MIN SKILL"}, rules);
    if (!e.sla_policies().empty()) {
      std::cout << "\n";
      auto mins = [](int64_t m) {
        return m == 0 ? std::string("-") : absl::FormatDuration(absl::Minutes(m));
      };
      std::vector<std::vector<std::string>> policies;
      for (const auto& p : e.sla_policies()) {
        std::vector<std::string> prios;
        for (int pr : p.priorities())
          prios.push_back(Lower(v1::Priority_Name(static_cast<v1::Priority>(pr)), "PRIORITY_"));
        std::string match =
            absl::StrJoin({absl::StrJoin(p.kinds(), ","), absl::StrJoin(p.categories(), ","),
                           absl::StrJoin(prios, ",")},
                          " ");
        policies.push_back({p.name(),
                            absl::StripAsciiWhitespace(match).empty()
                                ? "(all)"
                                : std::string(absl::StripAsciiWhitespace(match)),
                            mins(p.acknowledge_minutes()), mins(p.arrive_minutes()),
                            mins(p.resolve_minutes()), p.business_hours() ? "business" : "24/7",
                            absl::StrCat(p.warn_percent(), "%"), mins(p.reassign_minutes())});
      }
      PrintTable({"SLA POLICY", "MATCH", "ACK", "ARRIVE", "RESOLVE", "HOURS", "WARN", "REASSIGN"},
                 policies);
      std::vector<std::string> chain;
      for (const auto& st : e.escalation())
        chain.push_back(
            absl::StrCat(st.to(), " +", absl::FormatDuration(absl::Minutes(st.after_minutes()))));
      std::cout << "\nescalation: "
                << (chain.empty() ? "supervisor +0" : absl::StrJoin(chain, " -> ")) << "\n";
      if (!e.holidays().empty())
        std::cout << "holidays: " << absl::StrJoin(e.holidays(), " ") << "\n";
    }
    return 0;
  }
  if (group == "estate" && cmd == "units") {
    a.Allow({"site", "building"}, 0);
    v1::GetEstateRequest req;
    req.set_site_id(ctl.Site(a));
    auto r =
        ctl.CallOn<v1::GetEstateRequest, v1::EstateRegister>(*ctl.dispatch, &S::GetRegister, req);
    std::string only = a.Get("building");
    lobby::EstateRegister reg(r);
    if (auto miss = reg.CheckBuilding(only); miss && !only.empty()) {
      std::cerr << "error: NOT_FOUND: " << lobby::Describe(*miss, r.site_id()) << "\n";
      return 1;
    }
    const v1::Building* pick = only.empty() ? nullptr : reg.FindBuilding(only);
    google::protobuf::RepeatedPtrField<v1::Building> buildings;
    for (const auto& b : r.buildings()) {
      if (pick == nullptr || pick->name() == b.name()) *buildings.Add() = b;
    }
    if (ctl.json()) {
      std::cout << JsonItems(buildings) << "\n";
      return 0;
    }
    if (r.buildings().empty()) {
      std::cout
          << "estate " << r.site_id()
          << " has no register: locations are not checked (add buildings: to its estate YAML, "
          << "see docs/dispatch.md)\n";
      return 0;
    }
    std::cout << "estate " << r.site_id() << (r.name().empty() ? "" : " " + r.name()) << " ("
              << r.time_zone()
              << (r.languages().empty() ? "" : ", " + absl::StrJoin(r.languages(), ", "))
              << ")\n\n";
    std::vector<std::vector<std::string>> rows;
    size_t units = 0;
    for (const auto& b : buildings) {
      std::string name =
          b.name() + (b.aliases().empty() ? "" : " (" + absl::StrJoin(b.aliases(), ", ") + ")");
      for (const auto& l : b.levels()) {
        rows.push_back({name, lobby::CompactRanges({l.floors().begin(), l.floors().end()}),
                        lobby::CompactRanges({l.rooms().begin(), l.rooms().end()}),
                        std::to_string(l.floors_size() * l.rooms_size())});
        units += l.floors_size() * l.rooms_size();
        name = "";
      }
      if (!b.other_floors().empty()) {
        rows.push_back({name,
                        lobby::CompactRanges({b.other_floors().begin(), b.other_floors().end()}),
                        "(no flats)", "-"});
        name = "";
      }
      if (!b.common_areas().empty())
        rows.push_back({name, "common areas", absl::StrJoin(b.common_areas(), ", "), "-"});
    }
    PrintTable({"BUILDING", "FLOORS", "FLATS", "UNITS"}, rows);
    std::cout << "\n"
              << units << " units in " << buildings.size()
              << (buildings.size() == 1 ? " building" : " buildings") << "\n";
    return 0;
  }
  if (group == "dispatch" && cmd == "explain") {
    a.Allow({"site", "category", "priority", "building", "text", "kind"}, 0);
    v1::ExplainRequest req;
    v1::Ticket* t = req.mutable_ticket();
    t->set_site_id(ctl.Site(a));
    t->set_category(a.Require("category"));
    v1::Priority p = v1::PRIORITY_P3;
    if (a.Has("priority") &&
        !v1::Priority_Parse("PRIORITY_" + absl::AsciiStrToUpper(a.Get("priority")), &p)) {
      throw UsageError{"--priority is P1..P4"};
    }
    t->set_priority(p);
    t->mutable_location()->set_building(a.Get("building"));
    t->set_description(a.Get("text"));
    if (a.Get("kind") == "complaint") t->mutable_complaint();
    auto d = ctl.CallOn<v1::ExplainRequest, v1::Decision>(*ctl.dispatch, &S::Explain, req);
    if (ctl.json()) {
      std::cout << Json(d) << "\n";
      return 0;
    }
    std::cout << (d.assignee().empty() ? (d.team().empty() ? "nobody" : d.team() + " pool")
                                       : d.assignee() + " (" + d.team() + ")")
              << "\n"
              << d.explanation() << "\n";
    return 0;
  }
  if (group == "dispatch" && (cmd == "claim" || cmd == "decline" || cmd == "transfer")) {
    a.Allow({"member", "to", "reason"}, 1);
    v1::MemberActionRequest req;
    req.set_ticket_id(a.positional[0]);
    req.set_member(a.Get("member"));
    req.set_reason(cmd == "decline" ? a.Require("reason") : a.Get("reason"));
    if (cmd == "transfer") req.set_to_member(a.Require("to"));
    auto method = cmd == "claim" ? &S::Claim : cmd == "decline" ? &S::Decline : &S::Transfer;
    PrintTicket(ctl, ctl.CallOn<v1::MemberActionRequest, v1::Ticket>(*ctl.dispatch, method, req));
    return 0;
  }
  if (group == "dispatch" && cmd == "ack") {
    a.Allow({"member"}, 1);
    v1::MemberActionRequest req;
    req.set_ticket_id(a.positional[0]);
    req.set_member(a.Get("member"));
    PrintTicket(
        ctl, ctl.CallOn<v1::MemberActionRequest, v1::Ticket>(*ctl.dispatch, &S::Acknowledge, req));
    return 0;
  }
  if (group == "dispatch" && cmd == "watch") return Watch(ctl, a);
  if (group == "dispatch" && cmd == "board") {
    a.Allow({"site", "team"}, 0);
    v1::GetBoardRequest req;
    req.set_site_id(ctl.Site(a));
    req.set_team(a.Require("team"));
    auto b = ctl.CallOn<v1::GetBoardRequest, v1::Board>(*ctl.dispatch, &S::GetBoard, req);
    if (ctl.json()) {
      std::cout << Json(b) << "\n";
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    auto add = [&](const std::string& who, const v1::BoardTicket& t) {
      std::string next = t.paused()               ? "(on hold)"
                         : t.next_stage().empty() ? ""
                                                  : t.next_stage() + " by " + Time(t.next_due());
      rows.push_back(
          {who, t.id(),
           Lower(v1::Priority_Name(t.priority()), "PRIORITY_") + (t.emergency() ? " !!" : ""),
           t.category(), t.building(), t.status(), Time(t.created_at()), next,
           t.breached().empty() ? "" : "BREACHED " + absl::StrJoin(t.breached(), ",")});
    };
    for (const auto& m : b.members()) {
      std::string who = absl::StrCat(m.member(), " ", m.tickets_size(), "/", m.capacity(),
                                     m.on_shift() ? "" : " (off)");
      if (m.tickets().empty()) rows.push_back({who, "-", "", "", "", "", "", "", ""});
      for (int i = 0; i < m.tickets_size(); ++i) add(i == 0 ? who : "", m.tickets(i));
    }
    for (int i = 0; i < b.pool_size(); ++i) add(i == 0 ? "(pool)" : "", b.pool(i));
    for (int i = 0; i < b.elsewhere_size(); ++i)
      add(b.elsewhere(i).assignee() + " (other team)", b.elsewhere(i));
    for (int i = 0; i < b.unrouted_size(); ++i) add(i == 0 ? "(no team)" : "", b.unrouted(i));
    PrintTable({"MEMBER", "TICKET", "PRI", "CATEGORY", "BUILDING", "STATUS", "OPENED",
                "NEXT DEADLINE", "SLA"},
               rows);
    for (const auto& t : b.unrouted()) {
      std::cout << t.id() << " has no team: " << t.not_routed() << " (assign it: lobbyctl "
                << (absl::StartsWith(t.id(), "C-") ? "complaints" : "repairs") << " assign "
                << t.id() << " --team T)\n";
    }
    return 0;
  }
  throw UsageError{
      "estate get|units --site S | dispatch explain|claim|decline|transfer|ack|watch|board ... "
      "(see --help)"};
}

/// "▁▂▃▅▇" for a series.
std::string Sparkline(const std::vector<double>& v) {
  static const char* kBars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  double hi = 0;
  for (double x : v) hi = std::max(hi, x);
  std::string out;
  for (double x : v)
    out += hi <= 0 ? kBars[0] : kBars[std::min(7, static_cast<int>(x / hi * 7.0 + 0.5))];
  return out;
}

/// The KPIs a trends table shows, by name.
double Metric(const v1::Kpis& k, const std::string& m) {
  static const std::map<std::string, std::function<double(const v1::Kpis&)>> kMetrics = {
      {"volume", [](const v1::Kpis& k) { return static_cast<double>(k.volume()); }},
      {"responses", [](const v1::Kpis& k) { return static_cast<double>(k.responses()); }},
      {"response_rate", [](const v1::Kpis& k) { return k.response_rate(); }},
      {"csat", [](const v1::Kpis& k) { return k.csat(); }},
      {"speed", [](const v1::Kpis& k) { return k.speed(); }},
      {"attitude", [](const v1::Kpis& k) { return k.attitude(); }},
      {"ack_p50", [](const v1::Kpis& k) { return k.ack_p50_minutes(); }},
      {"ack_p90", [](const v1::Kpis& k) { return k.ack_p90_minutes(); }},
      {"arrive_p50", [](const v1::Kpis& k) { return k.arrive_p50_minutes(); }},
      {"resolve_p50", [](const v1::Kpis& k) { return k.resolve_p50_minutes(); }},
      {"resolve_p90", [](const v1::Kpis& k) { return k.resolve_p90_minutes(); }},
      {"breach_rate", [](const v1::Kpis& k) { return k.breach_rate(); }},
      {"reopen_rate", [](const v1::Kpis& k) { return k.reopen_rate(); }},
      {"ftf_rate", [](const v1::Kpis& k) { return k.first_time_fix_rate(); }},
      {"per_1000_units", [](const v1::Kpis& k) { return k.volume_per_1000_units(); }},
      {"resolved", [](const v1::Kpis& k) { return static_cast<double>(k.resolved()); }},
      {"follow_ups", [](const v1::Kpis& k) { return static_cast<double>(k.follow_ups()); }},
      {"nps", [](const v1::Kpis& k) { return k.nps(); }}};
  auto it = kMetrics.find(m);
  if (it == kMetrics.end())
    throw UsageError{"unknown metric '" + m +
                     "' (volume, responses, response_rate, csat, speed, attitude, ack_p50, "
                     "ack_p90, arrive_p50, resolve_p50, resolve_p90, breach_rate, reopen_rate, "
                     "ftf_rate, per_1000_units, resolved, follow_ups, nps)"};
  return it->second(k);
}

std::string Fixed(double v) {
  return absl::StrFormat(v == static_cast<int64_t>(v) ? "%.0f" : "%.2f", v);
}

int Surveys(Ctl& ctl, Args& a) {
  std::string cmd = a.positional.size() > 1 ? a.positional[1] : "";
  a.positional.erase(a.positional.begin(),
                     a.positional.begin() + std::min<size_t>(2, a.positional.size()));
  auto stub = v1::SurveyService::NewStub(ctl.channel);
  using S = v1::SurveyService::Stub;
  if (cmd == "get") {
    a.Allow({"ticket"}, a.positional.empty() ? 0 : 1);
    v1::GetSurveyRequest req;
    if (!a.positional.empty()) req.set_id(a.positional[0]);
    req.set_ticket_id(a.Get("ticket"));
    auto s = ctl.CallOn<v1::GetSurveyRequest, v1::Survey>(*stub, &S::GetSurvey, req);
    ctl.UseSite(s.site_id());
    if (ctl.json()) {
      std::cout << Json(s) << "\n";
      return 0;
    }
    PrintTable({"FIELD", "VALUE"},
               {{"id", s.id()},
                {"ticket", s.ticket_id()},
                {"status", Lower(v1::SurveyStatus_Name(s.status()), "SURVEY_STATUS_")},
                {"send at", Time(s.send_at())},
                {"sent", Time(s.sent_at())},
                {"expires", Time(s.expires_at())},
                {"answered", Time(s.answered_at())},
                {"answer",
                 s.has_answer()
                     ? absl::StrCat("overall ", s.answer().overall(), ", speed ",
                                    s.answer().speed(), ", attitude ", s.answer().attitude(),
                                    s.answer().not_fixed() ? ", NOT FIXED" : "",
                                    s.answer().comment().empty() ? "" : ": " + s.answer().comment())
                     : ""}});
    return 0;
  }
  if (cmd == "answer") {
    a.Allow({"overall", "speed", "attitude", "comment", "not-fixed", "nps"}, 1);
    v1::SubmitResponseRequest req;
    req.set_survey_id(a.positional[0]);
    auto num = [&](const char* flag) {
      int v = 0;
      if (a.Has(flag) && !absl::SimpleAtoi(a.Get(flag), &v))
        throw UsageError{std::string("--") + flag + " is a number"};
      return v;
    };
    req.mutable_answer()->set_overall(num("overall"));
    req.mutable_answer()->set_speed(num("speed"));
    req.mutable_answer()->set_attitude(num("attitude"));
    req.mutable_answer()->set_nps(num("nps"));
    req.mutable_answer()->set_comment(a.Get("comment"));
    req.mutable_answer()->set_not_fixed(a.Has("not-fixed"));
    auto s = ctl.CallOn<v1::SubmitResponseRequest, v1::Survey>(*stub, &S::SubmitResponse, req);
    std::cout << (ctl.json() ? Json(s) : s.id() + " answered") << "\n";
    return 0;
  }
  if (cmd == "followups") {
    a.Allow({"site"}, 0);
    v1::ListFollowUpsRequest req;
    req.set_site_id(ctl.Site(a));
    auto r = ctl.CallOn<v1::ListFollowUpsRequest, v1::ListFollowUpsResponse>(
        *stub, &S::ListFollowUps, req);
    if (ctl.json()) {
      std::cout << JsonItems(r.follow_ups()) << "\n";
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& f : r.follow_ups()) {
      rows.push_back({f.id(), f.ticket_id(), f.team(), absl::StrCat(f.answer().overall(), "/5"),
                      Time(f.due_at()), f.escalated() ? "ESCALATED" : "", f.answer().comment()});
    }
    PrintTable({"FOLLOW-UP", "TICKET", "TEAM", "SCORE", "DUE", "", "COMMENT"}, rows);
    return 0;
  }
  if (cmd == "followup-done") {
    a.Allow({"outcome"}, 1);
    v1::CompleteFollowUpRequest req;
    req.set_id(a.positional[0]);
    req.set_outcome(a.Require("outcome"));
    auto f =
        ctl.CallOn<v1::CompleteFollowUpRequest, v1::FollowUpTask>(*stub, &S::CompleteFollowUp, req);
    std::cout << (ctl.json() ? Json(f) : f.id() + " done") << "\n";
    return 0;
  }
  if (cmd == "trends") {
    a.Allow({"site", "from", "to", "period", "by", "filter", "metrics", "csv"}, 0);
    v1::GetTrendsRequest req;
    req.set_site_id(ctl.Site(a));
    *req.mutable_from() = ParseDay(a.Require("from"), "from");
    *req.mutable_to() = ParseDay(a.Require("to"), "to", /*end=*/true);
    std::string period = a.Get("period", "week");
    req.set_period(period == "day"     ? v1::PERIOD_DAY
                   : period == "month" ? v1::PERIOD_MONTH
                                       : v1::PERIOD_WEEK);
    if (period != "day" && period != "week" && period != "month")
      throw UsageError{"--period is day, week or month"};
    req.set_group_by(a.Get("by"));
    if (a.Has("filter")) {
      std::vector<std::string> kv = absl::StrSplit(a.Get("filter"), absl::MaxSplits('=', 1));
      if (kv.size() != 2) throw UsageError{"--filter is DIMENSION=VALUE, e.g. building=Tower 1"};
      req.mutable_filter()->set_name(kv[0]);
      req.mutable_filter()->set_value(kv[1]);
    }
    std::vector<std::string> metrics =
        absl::StrSplit(a.Get("metrics", "volume,responses,csat,resolve_p50,breach_rate"), ',');
    auto r = ctl.CallOn<v1::GetTrendsRequest, v1::Trends>(*stub, &S::GetTrends, req);
    if (ctl.json()) {
      std::cout << Json(r) << "\n";
      return 0;
    }
    if (a.Has("csv")) {
      std::cout << "group,start," << absl::StrJoin(metrics, ",") << "\n";
      for (const auto& s : r.series()) {
        for (const auto& p : s.points()) {
          std::cout << '"' << s.group() << "\"," << Time(p.start()).substr(0, 10);
          for (const auto& m : metrics) std::cout << "," << Fixed(Metric(p.kpis(), m));
          std::cout << "\n";
        }
      }
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : r.series()) {
      for (const auto& m : metrics) {
        std::vector<double> v;
        for (const auto& p : s.points()) v.push_back(Metric(p.kpis(), m));
        std::string last = v.empty() ? "" : Fixed(v.back());
        std::string before = v.size() < 2 ? "" : Fixed(v[v.size() - 2]);
        rows.push_back({s.group().empty() ? "(all)" : s.group(), m, Sparkline(v), before, last});
      }
    }
    PrintTable({"GROUP", "METRIC", absl::StrCat("PER ", absl::AsciiStrToUpper(period)), "PREVIOUS",
                "LAST"},
               rows);
    return 0;
  }
  if (cmd == "scorecard") {
    a.Allow({"site", "team", "member", "from", "to"}, 0);
    v1::GetScorecardRequest req;
    req.set_site_id(ctl.Site(a));
    req.set_team(a.Get("team"));
    req.set_member(a.Get("member"));
    *req.mutable_from() = ParseDay(a.Require("from"), "from");
    *req.mutable_to() = ParseDay(a.Require("to"), "to", /*end=*/true);
    auto r = ctl.CallOn<v1::GetScorecardRequest, v1::Scorecard>(*stub, &S::GetScorecard, req);
    if (ctl.json()) {
      std::cout << Json(r) << "\n";
      return 0;
    }
    // Each KPI with its unit, and which way is better: a rise in the reopen rate or in a time is
    // worse, not only up. Volume is neither.
    struct Kpi {
      const char* metric;
      const char* label;
      int better;  // +1: up is better, -1: down is better, 0: neither
    };
    static const Kpi kKpis[] = {{"volume", "volume (tickets)", 0},
                                {"resolved", "resolved (tickets)", 0},
                                {"responses", "survey answers", +1},
                                {"response_rate", "response rate (0-1)", +1},
                                {"csat", "CSAT (1-5)", +1},
                                {"speed", "speed (1-5)", +1},
                                {"attitude", "attitude (1-5)", +1},
                                {"ack_p50", "acknowledge p50 (minutes)", -1},
                                {"ack_p90", "acknowledge p90 (minutes)", -1},
                                {"resolve_p50", "resolve p50 (minutes)", -1},
                                {"resolve_p90", "resolve p90 (minutes)", -1},
                                {"breach_rate", "breach rate (0-1)", -1},
                                {"reopen_rate", "reopen rate (0-1)", -1},
                                {"ftf_rate", "first-time fix rate (0-1)", +1},
                                {"follow_ups", "low-score follow-ups", -1}};
    std::vector<std::vector<std::string>> rows;
    for (const Kpi& k : kKpis) {
      double now = Metric(r.current(), k.metric), before = Metric(r.previous(), k.metric);
      int moved = now > before ? 1 : now < before ? -1 : 0;
      std::string change = moved == 0 ? "" : moved > 0 ? "▲ up" : "▼ down";
      if (moved != 0 && k.better != 0) change += moved == k.better ? ", better" : ", worse";
      rows.push_back({k.label, Fixed(now), Fixed(before), change});
    }
    PrintTable({"KPI", "THIS PERIOD", "PREVIOUS", "CHANGE"}, rows);
    return 0;
  }
  if (cmd == "heatmap" || cmd == "repeats") {
    a.Allow({"site", "from", "to"}, 0);
    if (cmd == "repeats") {
      v1::RepeatFaultsRequest req;
      req.set_site_id(ctl.Site(a));
      auto r = ctl.CallOn<v1::RepeatFaultsRequest, v1::RepeatFaultsResponse>(*stub,
                                                                             &S::RepeatFaults, req);
      if (ctl.json()) {
        std::cout << JsonItems(r.faults()) << "\n";
        return 0;
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& f : r.faults())
        rows.push_back({f.unit(), f.category(), absl::StrJoin(f.tickets(), " ")});
      PrintTable({"UNIT", "CATEGORY", "TICKETS (90 DAYS)"}, rows);
      return 0;
    }
    v1::GetBuildingHeatmapRequest req;
    req.set_site_id(ctl.Site(a));
    *req.mutable_from() = ParseDay(a.Require("from"), "from");
    *req.mutable_to() = ParseDay(a.Require("to"), "to", /*end=*/true);
    auto r =
        ctl.CallOn<v1::GetBuildingHeatmapRequest, v1::Heatmap>(*stub, &S::GetBuildingHeatmap, req);
    if (ctl.json()) {
      std::cout << JsonItems(r.cells()) << "\n";
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : r.cells())
      rows.push_back({c.building(), c.category(), std::to_string(c.volume()),
                      std::to_string(c.responses()), c.responses() ? Fixed(c.csat()) : "-"});
    PrintTable({"BUILDING", "CATEGORY", "VOLUME", "RESPONSES", "CSAT"}, rows);
    return 0;
  }
  if (cmd == "campaign") {
    a.Allow({"site", "building", "title"}, 0);
    v1::StartCampaignRequest req;
    req.set_site_id(ctl.Site(a));
    for (const auto& b : a.All("building")) req.add_buildings(b);
    req.set_title(a.Get("title"));
    auto c = ctl.CallOn<v1::StartCampaignRequest, v1::Campaign>(*stub, &S::StartCampaign, req);
    std::cout << (ctl.json() ? Json(c) : "campaign " + c.id() + " started") << "\n";
    return 0;
  }
  throw UsageError{
      "surveys get|answer|followups|followup-done|trends|scorecard|heatmap|repeats|campaign ... "
      "(see --help)"};
}

int Catalog(Ctl& ctl, Args& a) {
  using S = v1::RepairService::Stub;
  if (a.positional[0] == "apply") {
    a.positional.erase(a.positional.begin());
    a.Allow({"f", "site", "dry-run"}, 0);
    std::ifstream in(a.Require("f"), std::ios::binary);
    if (!in) throw UsageError{"cannot read " + a.Get("f")};
    std::stringstream buf;
    buf << in.rdbuf();
    std::string text = buf.str();
    // What the file is: an estate (teams, members, rules) or a category catalog.
    auto top_level = [&](const std::string& key) {
      return text.rfind(key + ":", 0) == 0 || text.find("\n" + key + ":") != std::string::npos;
    };
    if (top_level("teams")) {
      v1::ApplyEstateRequest req;
      req.set_yaml(text);
      req.set_dry_run(a.Has("dry-run"));
      auto resp = ctl.CallOn<v1::ApplyEstateRequest, v1::ApplyEstateResponse>(
          *ctl.dispatch, &v1::DispatchService::Stub::ApplyEstate, req);
      if (ctl.json()) {
        std::cout << Json(resp) << "\n";
      } else {
        std::cout << (req.dry_run() ? "dry run, nothing applied" : "applied") << ": estate "
                  << resp.estate().site_id() << ", " << resp.estate().teams_size() << " teams, "
                  << resp.estate().members_size() << " members, " << resp.estate().rules_size()
                  << " rules\n";
        for (const auto& c : resp.changes()) std::cout << "  " << c << "\n";
      }
      return 0;
    }
    if (top_level("surveys")) {
      v1::ApplySurveySettingsRequest req;
      req.set_yaml(text);
      req.set_dry_run(a.Has("dry-run"));
      auto stub = v1::SurveyService::NewStub(ctl.channel);
      auto resp = ctl.CallOn<v1::ApplySurveySettingsRequest, v1::SurveySettings>(
          *stub, &v1::SurveyService::Stub::ApplySettings, req);
      if (ctl.json()) {
        std::cout << Json(resp) << "\n";
      } else {
        std::cout << (req.dry_run() ? "dry run, nothing applied" : "applied")
                  << ": survey settings of " << resp.site_id() << "\n";
      }
      return 0;
    }
    if (!top_level("categories"))
      throw UsageError{
          "the file is neither an estate (teams:), survey settings (surveys:) nor a catalog "
          "(categories:)"};
    v1::ApplyCatalogRequest req;
    req.set_site_id(ctl.Site(a));
    req.set_yaml(text);
    req.set_dry_run(a.Has("dry-run"));
    auto resp = ctl.CallOn<v1::ApplyCatalogRequest, v1::ApplyCatalogResponse>(
        *ctl.repairs, &S::ApplyCatalog, req);
    if (ctl.json()) {
      std::cout << Json(resp) << "\n";
    } else {
      std::cout << (req.dry_run() ? "dry run, nothing applied: " : "applied: ")
                << resp.catalog().categories_size()
                << " categories; added: " << absl::StrJoin(resp.added(), ", ")
                << "; changed: " << absl::StrJoin(resp.changed(), ", ")
                << "; removed: " << absl::StrJoin(resp.removed(), ", ") << "\n";
      for (const auto& c : resp.changes()) std::cout << "  " << c << "\n";
    }
    return 0;
  }
  if (a.positional.size() < 2 || a.positional[1] != "get") throw UsageError{"catalog get --site S"};
  a.positional.erase(a.positional.begin(), a.positional.begin() + 2);
  a.Allow({"site"}, 0);
  v1::GetCatalogRequest req;
  req.set_site_id(ctl.Site(a));
  auto c = ctl.CallOn<v1::GetCatalogRequest, v1::Catalog>(*ctl.repairs, &S::GetCatalog, req);
  if (ctl.json()) {
    std::cout << Json(c) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& cat : c.categories()) {
    auto name = [&](const char* l) {
      auto it = cat.names().find(l);
      return it == cat.names().end() ? std::string() : it->second;
    };
    rows.push_back({cat.id(), cat.kind(),
                    PriorityText(cat.default_priority()) + (cat.emergency() ? " !" : ""),
                    name("en"), name("zh-Hant"), std::to_string(cat.keywords_size())});
  }
  PrintTable({"ID", "KIND", "PRI", "NAME", "名稱", "KEYWORDS"}, rows);
  return 0;
}

}  // namespace

// ------------------------------------------------------------------ hotline

std::string CallLine(const v1::CallEvent& e) {
  const v1::Call& c = e.call();
  const v1::ScreenPop& p = c.caller_profile();
  std::string who = p.resident_id().empty() ? "unknown caller"
                                            : absl::StrCat(p.name(), " (", p.resident_id(), ", ",
                                                           UnitText(p.unit()), ")");
  std::vector<std::string> open;
  for (const auto& t : p.open_tickets())
    open.push_back(t.id() + " " + Lower(v1::TicketStatus_Name(t.status()), "TICKET_STATUS_"));
  std::string detail;
  if (e.type() == "call.ringing") {
    detail = absl::StrCat(
        "open: ", open.empty() ? "none" : absl::StrJoin(open, ", "),
        p.last_survey_score() ? absl::StrCat("; last survey ", p.last_survey_score(), "/5") : "",
        p.tags().empty() ? "" : "; " + absl::StrJoin(p.tags(), ","));
  } else if (e.type() == "call.offered") {
    detail = "ringing at " + c.offered_to();
  } else if (e.type() == "call.answered" || e.type() == "call.ended") {
    detail = c.agent();
  } else if (e.type() == "call.missed") {
    detail = "callback " + c.callback_id();
  } else if (e.type() == "call.logged") {
    detail =
        absl::StrCat(c.disposition(), ": ", c.summary().substr(0, 80),
                     c.ticket_ids().empty() ? "" : " [" + absl::StrJoin(c.ticket_ids(), ",") + "]");
  } else if (e.type() == "call.rated") {
    detail = absl::StrCat(c.rating(), "/5", c.rating_recorded() ? " (survey answered)" : "");
  }
  return absl::StrJoin({absl::FormatTime("%H:%M:%S", absl::Now(), absl::LocalTimeZone()),
                        e.type().substr(5), c.id(), c.caller(), who, detail},
                       "  ");
}

int Hotline(Ctl& ctl, Args& a) {
  std::string cmd = a.positional.size() > 1 ? a.positional[1] : "";
  a.positional.erase(a.positional.begin(),
                     a.positional.begin() + std::min<size_t>(2, a.positional.size()));
  auto stub = v1::HotlineService::NewStub(ctl.channel);
  using S = v1::HotlineService::Stub;
  ctl.not_served =
      "the hotline adapter is not running here: start lobbyd with --adapters=hotline "
      "and the hotline settings (docs/adapters/hotline.md), or point --addr at the lobbyd that "
      "runs it";
  if (cmd == "watch") {
    a.Allow({"site"}, 0);
    v1::WatchCallsRequest req;
    req.set_site_id(ctl.Site(a));
    absl::Duration backoff = absl::Milliseconds(200);
    for (;;) {
      grpc::ClientContext ctx;
      lobby::PrepareClientContext(ctx, ctl.token, absl::Hours(24));
      auto reader = stub->WatchCalls(&ctx, req);
      v1::CallEvent e;
      while (reader->Read(&e)) {
        backoff = absl::Milliseconds(200);
        if (e.type() == "watch.started") {
          std::cerr << "watching the hotline of " << req.site_id() << "\n";
          continue;
        }
        std::cout << (ctl.json() ? Json(e) : CallLine(e)) << std::endl;
      }
      grpc::Status s = reader->Finish();
      if (s.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
          s.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
          s.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
          s.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
        std::cerr << ctl.ErrorLine(s) << "\n";
        return 1;
      }
      std::cerr << "watch: " << (s.ok() ? "stream ended" : s.error_message()) << "; reconnecting\n";
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(10));
    }
  }
  if (cmd == "get") {
    a.Allow({}, 1);
    v1::GetCallRequest req;
    req.set_id(a.positional[0]);
    auto c = ctl.CallOn<v1::GetCallRequest, v1::Call>(*stub, &S::GetCall, req);
    if (ctl.json()) {
      std::cout << Json(c) << "\n";
    } else {
      v1::CallEvent e;
      e.set_type("call." + Lower(v1::CallState_Name(c.state()), "CALL_STATE_"));
      *e.mutable_call() = c;
      std::cout << CallLine(e) << "\n";
    }
    return 0;
  }
  if (cmd == "log") {
    a.Allow({"summary", "disposition", "resident", "ticket", "agent", "site", "new", "category",
             "description", "priority", "subject", "area", "building", "floor"},
            1);
    v1::LogCallRequest req;
    req.set_call_id(a.positional[0]);
    req.set_summary(a.Require("summary"));
    req.set_disposition(a.Get("disposition"));
    req.set_resident_id(a.Get("resident"));
    req.set_agent(a.Get("agent"));
    req.set_site_id(a.Get("site"));
    for (const auto& t : a.All("ticket")) req.add_ticket_ids(t);
    if (a.Has("new")) {
      std::string kind = a.Get("new");
      if (kind != "repair" && kind != "complaint") throw UsageError{"--new is repair or complaint"};
      v1::Ticket* t = req.mutable_new_ticket();
      t->set_category(a.Require("category"));
      t->set_description(a.Get("description", req.summary()));
      if (a.Has("priority")) {
        v1::Priority p;
        if (!v1::Priority_Parse("PRIORITY_" + a.Get("priority"), &p))
          throw UsageError{"--priority is P1..P4"};
        t->set_priority(p);
      }
      if (a.Has("area")) {
        t->mutable_location()->set_building(a.Require("building"));
        t->mutable_location()->set_floor(a.Get("floor"));
        t->mutable_location()->set_area(a.Get("area"));
      }
      if (kind == "complaint") {
        v1::ComplaintSubject subject = v1::COMPLAINT_SUBJECT_OTHER;
        if (a.Has("subject") &&
            !v1::ComplaintSubject_Parse(
                "COMPLAINT_SUBJECT_" + absl::AsciiStrToUpper(a.Get("subject")), &subject)) {
          throw UsageError{
              "--subject is neighbour, staff, service, noise, environment, billing or other"};
        }
        t->mutable_complaint()->set_subject(subject);
      }
    }
    auto r = ctl.CallOn<v1::LogCallRequest, v1::LogCallResponse>(*stub, &S::LogCall, req);
    if (ctl.json()) {
      std::cout << Json(r) << "\n";
    } else {
      std::cout << "logged " << r.call().id()
                << (r.has_created() ? "; created " + r.created().id() : "")
                << (r.call().ticket_ids().empty()
                        ? ""
                        : "; tickets " + absl::StrJoin(r.call().ticket_ids(), ","))
                << "\n";
    }
    return 0;
  }
  throw UsageError{"unknown command 'hotline " + cmd + "'"};
}

/// The part of kUsage about `group` ("residents:" and its indented lines, or every line that
/// starts "dispatch ..." with its continuation lines); "" when there is none.
std::string GroupUsage(const std::string& group) {
  std::string out;
  bool in = false;
  for (absl::string_view line : absl::StrSplit(kUsage, '\n')) {
    if (line == group + ":" || absl::StartsWith(line, group + " "))
      in = true;
    else if (line.empty() || !absl::ascii_isspace(line[0]))
      in = false;
    if (in) absl::StrAppend(&out, line, "\n");
  }
  return out;
}

int main(int argc, char** argv) {
  try {
    Args a = ParseArgs(argc, argv);
    if (a.Has("help") && !a.positional.empty() && !GroupUsage(a.positional[0]).empty()) {
      std::cout
          << "lobbyctl " << a.positional[0]
          << " (with --addr, --token and -o as for every command; lobbyctl --help for all)\n\n"
          << GroupUsage(a.positional[0]);
      return 0;
    }
    if (a.Has("help") || a.positional.empty()) {
      std::cout << kUsage;
      return a.Has("help") ? 0 : 2;
    }
    Ctl ctl;
    const char* env_addr = std::getenv("LOBBY_ADDR");
    const char* env_token = std::getenv("LOBBY_TOKEN");
    ctl.addr = a.Get("addr", env_addr ? env_addr : "127.0.0.1:7000");
    ctl.token = a.Get("token", env_token ? env_token : "");
    ctl.output = a.Get("output", "table");
    if (ctl.output != "table" && ctl.output != "json") throw UsageError{"-o is table or json"};
    if (a.Has("timeout") && !absl::ParseDuration(a.Get("timeout"), &ctl.timeout)) {
      throw UsageError{"--timeout is a duration, e.g. 10s"};
    }
    for (const char* global : {"addr", "token", "output", "timeout"}) a.flags.erase(global);
    auto channel = lobby::Dial(ctl.addr);
    ctl.channel = channel;
    g_zone.lookup = [&ctl](const std::string& site) { return ctl.ZoneOf(site); };
    ctl.residents = v1::ResidentService::NewStub(channel);
    const std::string& group = a.positional[0];
    ctl.repairs = v1::RepairService::NewStub(channel);
    if (group == "residents") return Residents(ctl, a);
    if (group == "hotline") return Hotline(ctl, a);
    ctl.complaints = v1::ComplaintService::NewStub(channel);
    if (group == "repairs") return Repairs(ctl, a);
    if (group == "complaints") return Complaints(ctl, a);
    if (group == "incidents") return Incidents(ctl, a);
    ctl.dispatch = v1::DispatchService::NewStub(channel);
    if (group == "catalog" || group == "apply") return Catalog(ctl, a);
    if (group == "estate" || group == "dispatch") return Dispatch(ctl, a);
    if (group == "surveys") return Surveys(ctl, a);
    if (group == "health") {
      a.Allow({"service"}, 1);
      auto stub = grpc::health::v1::Health::NewStub(channel);
      grpc::ClientContext ctx;
      lobby::PrepareClientContext(ctx, "", ctl.timeout);
      // Short names for the services' full ones.
      static const std::vector<std::pair<std::string, std::string>> kServices = {
          {"residents", "lobby.v1.ResidentService"},
          {"repairs", "lobby.v1.RepairService"},
          {"complaints", "lobby.v1.ComplaintService"},
          {"dispatch", "lobby.v1.DispatchService"},
          {"surveys", "lobby.v1.SurveyService"},
          {"hotline", "lobby.v1.HotlineService"},
          {"liveness", "liveness"}};
      grpc::health::v1::HealthCheckRequest req;
      req.set_service(a.Get("service"));
      for (const auto& [short_name, full] : kServices) {
        if (req.service() == short_name) req.set_service(full);
      }
      grpc::health::v1::HealthCheckResponse resp;
      grpc::Status s = stub->Check(&ctx, req, &resp);
      if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
        std::vector<std::string> here;  // what this lobbyd answers for
        for (const auto& [short_name, full] : kServices) {
          grpc::ClientContext c;
          lobby::PrepareClientContext(c, "", ctl.timeout);
          grpc::health::v1::HealthCheckRequest probe;
          probe.set_service(full);
          grpc::health::v1::HealthCheckResponse ignored;
          if (stub->Check(&c, probe, &ignored).ok())
            here.push_back(short_name == full ? full : short_name + " (" + full + ")");
        }
        std::cerr << "error: NOT_FOUND: no service '" << a.Get("service")
                  << "' here; this lobbyd answers for: "
                  << (here.empty() ? "none" : absl::StrJoin(here, ", "))
                  << ", or no --service for lobbyd as a whole\n";
        return 1;
      }
      if (!s.ok()) {
        std::cerr << ctl.ErrorLine(s) << "\n";
        return 1;
      }
      std::string status = grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status());
      std::cout << (ctl.json() ? "{\"status\":\"" + status + "\"}" : status) << "\n";
      return resp.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
    }
    throw UsageError{"unknown group '" + group +
                     "' (residents, repairs, complaints, incidents, catalog, apply, estate, "
                     "dispatch, surveys, health)"};
  } catch (const UsageError& e) {
    std::cerr << "lobbyctl: " << e.message << " (lobbyctl --help)\n";
    return 2;
  }
}

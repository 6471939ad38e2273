// lobbyctl: Lobby's command-line client, for people and scripts. One file per command group
// (residents.cc, tickets.cc, dispatch.cc, surveys.cc, catalog.cc, hotline.cc); arguments and
// output in args.cc and output.cc.
#include "tools/lobbyctl/lobbyctl.h"

namespace lobbyctl {
namespace {

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
  notices --site S                        the estate's own words for what residents are told
                                          (set with apply -f; docs/examples/notices.yaml)

repairs:
  create --site S (--building B --floor F --room R | --building B --area A [--floor F])
         (--category C | --text "what the resident said") --description D --channel phone|sms|...
         [--resident RS-ID] [--priority P1..P4] [--photo URL]... [--idempotency-key K]
         [--entry-permission] [--key-note N]
  get ID
  list --site S [--status S] [--team T] [--assignee A] [--category C] [--building B]
       [--resident RS-ID] [--priority P2] [--page-size N] [--page-token T] [--all]
  assign ID --team T [--assignee MEMBER-ID] [--note N]
  ack|on-the-way|arrive|resolve|close|reopen|cancel|resume ID [--note N] [--expected-version V]
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
                                         settings (surveys:, docs/examples/surveys.yaml), notice
                                         words (notices:, docs/examples/notices.yaml) or, with
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
dispatch duty on|off --site S [--member M] [--date D]
                                         on call all day, or off (no new work, no pages), for
                                         today or D, over the estate YAML's shifts

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

users create LOGIN --name N --grant SITE=ROLE[+ROLE][/MEMBER]... [--language L]
                                         a staff account (the password is asked for); roles:
                                         agent, technician, supervisor, manager, admin (*=admin:
                                         every estate); MEMBER: their dispatch member id there
users update LOGIN [--name N] [--language L] [--grant G]... [--disable | --enable]
users get LOGIN | list [--site S] [--all] | reset-password LOGIN
login --user LOGIN [--totp CODE]         asks for the password; keeps the session in
                                         ~/.config/lobby/session (mode 600), used when neither
                                         --token nor LOBBY_TOKEN is given
logout | whoami | passwd                 end the session; who this is; change your password
sessions list [--user LOGIN] | sessions revoke ID [--user LOGIN]
totp enrol | totp confirm CODE | totp disable [--code CODE] [--user LOGIN]
tokens create --name N --grant SITE=ROLE... --expires TIME | tokens list | tokens revoke ID
                                         machine tokens for adapters and scripts (admins)
audit [--user WHO] [--site S] [--target ID] [--from TIME] [--to TIME] [--limit N]
                                         who changed what, newest first

report monthly --site S --month YYYY-MM [-o pdf|html] [--file F] [--lang L] [--console URL]
                                         the console's monthly report (/report) printed to A4 PDF
                                         (default) or saved as one HTML file, by the headless
                                         Chromium; --console (LOBBY_CONSOLE_URL): where the console
                                         is, http://127.0.0.1:7080 by default; --lang: en, zh-Hant,
                                         zh-Hans (default: the estate's language)

demo simulate --site S [--days 90] [--seed 7] [--keep-clock]
                                         for a lobbyd started with --demo-clock=-91d only: lives
                                         the estate's last N days through the APIs (reports on
                                         every channel, dispatch, technicians, holds, reopens,
                                         surveys, follow-ups, an incident), moving its clock, then
                                         hands the clock back (unless --keep-clock)

health [--service NAME]                  SERVING / NOT_SERVING (exit 1 unless serving); NAME: residents,
                                         repairs, complaints, dispatch, surveys, calls, accounts,
                                         liveness

Exit status: 0 on success, 1 when the server returned an error (printed on stderr), 2 on bad usage.
)";

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

}  // namespace
}  // namespace lobbyctl

using namespace lobbyctl;  // NOLINT: main() of lobbyctl

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
    if (ctl.token.empty()) ctl.token = SavedSession();
    ctl.output = a.Get("output", "table");
    if (a.positional[0] == "report") {
      if (a.Has("output") && ctl.output != "pdf" && ctl.output != "html")
        throw UsageError{"-o is pdf or html for a report"};
    } else if (ctl.output != "table" && ctl.output != "json") {
      throw UsageError{"-o is table or json"};
    }
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
    for (const char* g :
         {"users", "login", "logout", "whoami", "passwd", "sessions", "totp", "tokens", "audit"}) {
      if (group == g) return Accounts(ctl, a);
    }
    if (group == "hotline") return Hotline(ctl, a);
    ctl.complaints = v1::ComplaintService::NewStub(channel);
    if (group == "repairs") return Repairs(ctl, a);
    if (group == "complaints") return Complaints(ctl, a);
    if (group == "incidents") return Incidents(ctl, a);
    ctl.dispatch = v1::DispatchService::NewStub(channel);
    if (group == "catalog" || group == "apply") return Catalog(ctl, a);
    if (group == "estate" || group == "dispatch") return Dispatch(ctl, a);
    if (group == "surveys") return Surveys(ctl, a);
    if (group == "demo") return Demo(ctl, a);
    if (group == "report") return Report(ctl, a);
    if (group == "health") {
      a.Allow({"service"}, 1);
      auto stub = grpc::health::v1::Health::NewStub(channel);
      grpc::ClientContext ctx;
      lobby::PrepareClientContext(ctx, "", ctl.timeout);
      // Short names for the services' full ones.
      static const std::vector<std::pair<std::string, std::string>> kServices = {
          {"residents", "lobby.v1.ResidentService"},   {"repairs", "lobby.v1.RepairService"},
          {"complaints", "lobby.v1.ComplaintService"}, {"dispatch", "lobby.v1.DispatchService"},
          {"surveys", "lobby.v1.SurveyService"},       {"calls", "lobby.v1.HotlineService"},
          {"accounts", "lobby.v1.AccountService"},     {"liveness", "liveness"}};
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
                     "dispatch, surveys, report, demo, users, login, logout, whoami, passwd, "
                     "sessions, totp, tokens, audit, "
                     "health)"};
  } catch (const UsageError& e) {
    std::cerr << "lobbyctl: " << e.message << " (lobbyctl --help)\n";
    return 2;
  }
}

#pragma once
// lobbyctl's shared parts: arguments, output, the client, and each command group's entry point.
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

namespace lobbyctl {

using google::protobuf::Message;
namespace v1 = lobby::v1;

/// Bad usage: printed with a hint to --help, exit status 2.
struct UsageError {
  std::string message;
};

// ------------------------------------------------------------------ arguments

/// The command line: positional words and --flags (a flag may repeat).
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

/// Parses argv[1..]: "--name value", "--name=value", boolean flags alone, -o (--output), -h
/// (--help), -f and --file (--f). UsageError for a flag that needs a value and has none.
Args ParseArgs(int argc, const char* const* argv);

// ------------------------------------------------------------------ output

/// Display width of UTF-8 text in a terminal: East Asian wide characters take two columns.
size_t Width(const std::string& s);
/// Columns aligned by display width, two spaces apart, the header first.
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows, std::ostream& os = std::cout);
/// One message as compact protobuf JSON.
std::string Json(const Message& m);
/// Every list, as `-o json` prints it: {"items": [...]} (and "nextPageToken" when there is more).
template <typename List>
std::string JsonItems(const List& list, const std::string& next = "") {
  std::vector<std::string> items;
  for (const auto& x : list) items.push_back(Json(x));
  return absl::StrCat("{\"items\":[", absl::StrJoin(items, ","), "]",
                      next.empty() ? "" : ",\"nextPageToken\":\"" + next + "\"", "}");
}

/// "RESIDENT_ROLE_OWNER" without `prefix`, in lower case: "owner".
std::string Lower(std::string_view enum_name, std::string_view prefix);
std::string ChannelName(int c);
std::string RoleName(v1::ResidentRole r);
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
};
extern EstateZone g_zone;
/// A time in the estate's zone with its offset ("2026-12-01 10:00 +08:00"); "" for none.
std::string Time(const google::protobuf::Timestamp& t);
/// Whether `v` is RFC 3339 with an offset.
bool HasOffset(const std::string& v);
/// A time typed for --FLAG: RFC 3339, or without an offset ("2026-12-03 10:00",
/// "2026-12-03T10:00") in the estate's zone.
google::protobuf::Timestamp ParseTime(const std::string& flag, const std::string& v);
/// The start of day --FLAG in the estate's zone; `end`: the end of that day (so that
/// --from D --to D is the whole of day D).
google::protobuf::Timestamp ParseDay(const std::string& s, const std::string& flag,
                                     bool end = false);
std::string UnitText(const v1::Unit& u);
v1::Channel ParseChannel(const std::string& s);
v1::ResidentRole ParseRoleFlag(const std::string& s);

// ------------------------------------------------------------------ client

/// The connection and settings of one lobbyctl run.

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

// ------------------------------------------------------------------ shared by the groups

void PrintResident(Ctl& ctl, const v1::Resident& r);
void PrintResidents(Ctl& ctl, const std::vector<v1::Resident>& list, const std::string& next);
void SetUnit(const Args& a, v1::Unit* u);
int32_t PageSizeFlag(const Args& a);
std::string StatusText(v1::TicketStatus s);
std::string PriorityText(v1::Priority p);
std::string LocationText(const v1::Location& l);
/// `s` cut to `n` characters (never inside one), with "…" when cut.
std::string Short(const std::string& s, size_t n);
std::string Reporter(const v1::Reporter& r);
void PrintTicket(Ctl& ctl, const v1::Ticket& t);
void PrintTickets(Ctl& ctl, const std::vector<v1::Ticket>& list, const std::string& next);
void FillNewTicket(Args& a, v1::Ticket* t);

// ------------------------------------------------------------------ the command groups
/// ~/.config/lobby/session (or under $XDG_CONFIG_HOME), and the token saved there ("" if none).
std::string SessionFile();
std::string SavedSession();
/// users, login, logout, whoami, passwd, sessions, totp, tokens, audit (accounts.cc).
int Accounts(Ctl& ctl, Args& a);
// Each returns the exit status: 0 done, 1 the server refused (said on stderr); bad usage throws.

int Residents(Ctl& ctl, Args& a);   // residents.cc
int Repairs(Ctl& ctl, Args& a);     // tickets.cc
int Complaints(Ctl& ctl, Args& a);  // tickets.cc
int Incidents(Ctl& ctl, Args& a);   // tickets.cc
int Watch(Ctl& ctl, Args& a);       // dispatch.cc
int Dispatch(Ctl& ctl, Args& a);    // dispatch.cc: estate, dispatch
int Surveys(Ctl& ctl, Args& a);     // surveys.cc
int Catalog(Ctl& ctl, Args& a);     // catalog.cc: catalog, apply
int Hotline(Ctl& ctl, Args& a);     // hotline.cc
int Demo(Ctl& ctl, Args& a);        // demo.cc: demo simulate
int Report(Ctl& ctl, Args& a);      // report.cc: report monthly
/// One call event as `hotline watch` and `hotline get` print it, at the moment it happened in
/// the call's estate's zone.
std::string CallLine(const v1::CallEvent& event);

}  // namespace lobbyctl

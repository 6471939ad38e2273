#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>

#include "lobby/v1/accounts.grpc.pb.h"
#include "tools/lobbyctl/lobbyctl.h"

namespace lobbyctl {
namespace {

using S = v1::AccountService::Stub;

/// A password typed at the terminal without echo; a line of stdin when it is no terminal.
std::string ReadPassword(const std::string& prompt) {
  bool tty = isatty(STDIN_FILENO);
  termios old{};
  if (tty) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

/// "demo=agent+supervisor/cheung" (as --grant) to a grant.
v1::Grant ParseGrant(const std::string& text) {
  std::pair<std::string, std::string> kv = absl::StrSplit(text, absl::MaxSplits('=', 1));
  std::pair<std::string, std::string> rm = absl::StrSplit(kv.second, absl::MaxSplits('/', 1));
  if (kv.first.empty() || rm.first.empty())
    throw UsageError{
        "--grant is SITE=ROLE[+ROLE...][/MEMBER], e.g. demo=agent or demo=technician/cheung"};
  v1::Grant g;
  g.set_site_id(kv.first);
  g.set_member_id(rm.second);
  for (absl::string_view r : absl::StrSplit(rm.first, '+', absl::SkipEmpty()))
    g.add_roles(std::string(r));
  return g;
}

std::string GrantsText(const google::protobuf::RepeatedPtrField<v1::Grant>& grants) {
  std::vector<std::string> out;
  for (const v1::Grant& g : grants)
    out.push_back(absl::StrCat(g.site_id(), "=", absl::StrJoin(g.roles(), "+"),
                               g.member_id().empty() ? "" : "/" + g.member_id()));
  return absl::StrJoin(out, " ");
}

/// Times about a person are shown in the zone of their first estate (UTC for admins of all).
void UseZoneOf(Ctl& ctl, const v1::User& u) {
  if (!g_zone.site.empty()) return;
  for (const v1::Grant& g : u.grants()) {
    if (g.site_id() != "*") return ctl.UseSite(g.site_id());
  }
}

void PrintUsers(Ctl& ctl, const std::vector<v1::User>& users) {
  for (const v1::User& u : users) UseZoneOf(ctl, u);
  if (ctl.json()) {
    std::cout << JsonItems(users) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const v1::User& u : users)
    rows.push_back(
        {u.login(), u.display_name(), u.language(), GrantsText(u.grants()),
         u.disabled() ? "disabled" : (u.must_change_password() ? "must change" : "active"),
         u.totp_enabled() ? "totp" : "", Time(u.last_login_at())});
  PrintTable({"LOGIN", "NAME", "LANGUAGE", "GRANTS", "STATE", "2FA", "LAST LOGIN"}, rows);
}

void PrintUser(Ctl& ctl, const v1::User& u) { PrintUsers(ctl, {u}); }

}  // namespace

std::string SessionFile() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  std::string dir = xdg && *xdg ? std::string(xdg) : std::string(home ? home : ".") + "/.config";
  return dir + "/lobby/session";
}

std::string SavedSession() {
  std::ifstream in(SessionFile());
  std::string token;
  std::getline(in, token);
  return token;
}

int Accounts(Ctl& ctl, Args& a) {
  const std::string group = a.positional[0];
  std::string cmd = a.positional.size() > 1 ? a.positional[1] : "";
  auto stub = v1::AccountService::NewStub(ctl.channel);
  ctl.not_served =
      "the accounts service is not running here: start lobbyd with --services=accounts (or "
      "all), or point --addr at the lobbyd that runs it";
  auto shift = [&a](size_t n) {
    a.positional.erase(a.positional.begin(),
                       a.positional.begin() + std::min(n, a.positional.size()));
  };

  if (group == "login") {
    shift(1);
    a.Allow({"user", "totp"}, 0);
    v1::LoginRequest req;
    req.set_login(a.Require("user"));
    req.set_password(ReadPassword("password for " + req.login() + ": "));
    if (a.Has("totp")) req.set_totp_code(a.Get("totp"));
    v1::LoginResponse resp;
    grpc::Status s = ctl.Invoke(*stub, &S::Login, req, &resp);
    if (!s.ok() && absl::StrContains(s.error_message(), "second factor") && !a.Has("totp")) {
      req.set_totp_code(ReadPassword("code from the authenticator app: "));
      s = ctl.Invoke(*stub, &S::Login, req, &resp);
    }
    if (!s.ok()) {
      std::cerr << ctl.ErrorLine(s) << "\n";
      return 1;
    }
    std::filesystem::path file = SessionFile();
    std::filesystem::create_directories(file.parent_path());
    ::umask(077);
    {
      std::ofstream out(file, std::ios::trunc);
      out << resp.session_token() << "\n";
    }
    ::chmod(file.c_str(), 0600);
    if (ctl.json()) {
      std::cout << Json(resp.user()) << "\n";
    } else {
      std::cout << "signed in as " << resp.user().display_name() << " (" << resp.user().login()
                << "); session saved in " << file.string() << "\n";
      if (resp.must_change_password())
        std::cout << "your password was reset: choose your own now with lobbyctl passwd\n";
    }
    return 0;
  }
  if (group == "logout") {
    shift(1);
    a.Allow({}, 0);
    ctl.CallOn<v1::LogoutRequest, v1::LogoutResponse>(*stub, &S::Logout, {});
    std::filesystem::remove(SessionFile());
    std::cout << "signed out\n";
    return 0;
  }
  if (group == "whoami") {
    shift(1);
    a.Allow({}, 0);
    PrintUser(ctl, ctl.CallOn<v1::WhoAmIRequest, v1::User>(*stub, &S::WhoAmI, {}));
    return 0;
  }
  if (group == "passwd") {
    shift(1);
    a.Allow({}, 0);
    v1::ChangePasswordRequest req;
    req.set_current_password(ReadPassword("current password: "));
    req.set_new_password(ReadPassword("new password (10 characters at least): "));
    ctl.CallOn<v1::ChangePasswordRequest, v1::ChangePasswordResponse>(*stub, &S::ChangePassword,
                                                                      req);
    std::cout << "password changed; your other sessions have ended\n";
    return 0;
  }
  if (group == "audit") {
    shift(1);
    a.Allow({"user", "site", "target", "from", "to", "limit"}, 0);
    v1::ListAuditRequest req;
    req.set_actor(a.Get("user"));
    req.set_site_id(a.Get("site"));
    ctl.UseSite(req.site_id());
    req.set_target(a.Get("target"));
    if (a.Has("from")) *req.mutable_since() = ParseTime("from", a.Get("from"));
    if (a.Has("to")) *req.mutable_until() = ParseTime("to", a.Get("to"));
    if (a.Has("limit")) {
      int n = 0;
      if (!absl::SimpleAtoi(a.Get("limit"), &n)) throw UsageError{"--limit is a number"};
      req.set_limit(n);
    }
    auto resp = ctl.CallOn<v1::ListAuditRequest, v1::ListAuditResponse>(*stub, &S::ListAudit, req);
    if (ctl.json()) {
      std::cout << JsonItems(resp.entries()) << "\n";
      return 0;
    }
    for (const auto& e : resp.entries()) {
      if (g_zone.site.empty()) ctl.UseSite(e.site_id());  // the first estate named
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : resp.entries())
      rows.push_back({Time(e.at()),
                      e.actor() + (e.acting_for().empty() ? "" : " for " + e.acting_for()),
                      e.role(), e.method(), e.site_id(), e.target(), e.outcome()});
    PrintTable({"WHEN", "WHO", "ROLE", "METHOD", "ESTATE", "TARGET", "OUTCOME"}, rows);
    return 0;
  }
  if (group == "totp") {
    shift(2);
    if (cmd == "enrol") {
      a.Allow({}, 0);
      auto resp = ctl.CallOn<v1::EnrolTotpRequest, v1::EnrolTotpResponse>(*stub, &S::EnrolTotp, {});
      if (ctl.json()) {
        std::cout << Json(resp) << "\n";
      } else {
        std::cout << "secret: " << resp.secret() << "\nuri:    " << resp.uri()
                  << "\nadd it to an authenticator app, then: lobbyctl totp confirm CODE\n";
      }
      return 0;
    }
    if (cmd == "confirm") {
      a.Allow({}, 1);
      v1::ConfirmTotpRequest req;
      req.set_code(a.positional[0]);
      PrintUser(ctl, ctl.CallOn<v1::ConfirmTotpRequest, v1::User>(*stub, &S::ConfirmTotp, req));
      return 0;
    }
    if (cmd == "disable") {
      a.Allow({"user", "code"}, 0);
      v1::DisableTotpRequest req;
      req.set_login(a.Get("user"));
      req.set_code(a.Get("code"));
      PrintUser(ctl, ctl.CallOn<v1::DisableTotpRequest, v1::User>(*stub, &S::DisableTotp, req));
      return 0;
    }
    throw UsageError{"totp enrol | confirm CODE | disable [--code CODE] [--user LOGIN]"};
  }
  if (group == "sessions") {
    shift(2);
    if (cmd == "list") {
      a.Allow({"user"}, 0);
      v1::ListSessionsRequest req;
      req.set_login(a.Get("user"));
      auto resp = ctl.CallOn<v1::ListSessionsRequest, v1::ListSessionsResponse>(
          *stub, &S::ListSessions, req);
      if (!resp.sessions().empty() && !ctl.json()) {
        v1::GetUserRequest whose;
        whose.set_login(resp.sessions(0).login());
        v1::User u;
        if (ctl.Invoke(*stub, &S::GetUser, whose, &u).ok()) UseZoneOf(ctl, u);
      }
      if (ctl.json()) {
        std::cout << JsonItems(resp.sessions()) << "\n";
        return 0;
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& s : resp.sessions())
        rows.push_back({s.id() + (s.current() ? " *" : ""), s.login(), Time(s.created_at()),
                        Time(s.last_seen_at()), Time(s.expires_at()), s.address()});
      PrintTable({"ID", "LOGIN", "SINCE", "LAST SEEN", "ENDS", "FROM"}, rows);
      return 0;
    }
    if (cmd == "revoke") {
      a.Allow({"user"}, 1);
      v1::RevokeSessionRequest req;
      req.set_login(a.Get("user"));
      req.set_id(a.positional[0]);
      ctl.CallOn<v1::RevokeSessionRequest, v1::RevokeSessionResponse>(*stub, &S::RevokeSession,
                                                                      req);
      std::cout << "session " << req.id() << " ended\n";
      return 0;
    }
    throw UsageError{"sessions list [--user LOGIN] | revoke ID [--user LOGIN]"};
  }
  if (group == "tokens") {
    shift(2);
    if (cmd == "create") {
      a.Allow({"name", "grant", "expires"}, 0);
      v1::CreateTokenRequest req;
      req.set_name(a.Require("name"));
      for (const std::string& g : a.All("grant")) *req.add_grants() = ParseGrant(g);
      if (req.grants().empty()) throw UsageError{"--grant SITE=ROLE is required (repeatable)"};
      *req.mutable_expires_at() = ParseTime("expires", a.Require("expires"));
      auto resp =
          ctl.CallOn<v1::CreateTokenRequest, v1::CreateTokenResponse>(*stub, &S::CreateToken, req);
      if (ctl.json()) {
        std::cout << Json(resp) << "\n";
      } else {
        std::cout << "token " << resp.token().id() << " (" << resp.token().name()
                  << "), shown this once:\n"
                  << resp.secret() << "\n";
      }
      return 0;
    }
    if (cmd == "list") {
      a.Allow({}, 0);
      auto resp =
          ctl.CallOn<v1::ListTokensRequest, v1::ListTokensResponse>(*stub, &S::ListTokens, {});
      if (ctl.json()) {
        std::cout << JsonItems(resp.tokens()) << "\n";
        return 0;
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& t : resp.tokens())
        rows.push_back(
            {t.id(), t.name(), GrantsText(t.grants()), Time(t.expires_at()), t.created_by()});
      PrintTable({"ID", "NAME", "GRANTS", "EXPIRES", "BY"}, rows);
      return 0;
    }
    if (cmd == "revoke") {
      a.Allow({}, 1);
      v1::RevokeTokenRequest req;
      req.set_id(a.positional[0]);
      ctl.CallOn<v1::RevokeTokenRequest, v1::RevokeTokenResponse>(*stub, &S::RevokeToken, req);
      std::cout << "token " << req.id() << " revoked\n";
      return 0;
    }
    throw UsageError{
        "tokens create --name N --grant SITE=ROLE... --expires TIME | list | revoke ID"};
  }
  // users
  shift(2);
  if (cmd == "create" || cmd == "update") {
    bool create = cmd == "create";
    a.Allow({"name", "language", "grant", "disable", "enable"}, 1);
    v1::User u;
    u.set_login(a.positional[0]);
    u.set_display_name(a.Get("name"));
    u.set_language(a.Get("language"));
    for (const std::string& g : a.All("grant")) *u.add_grants() = ParseGrant(g);
    if (create) {
      if (u.display_name().empty()) throw UsageError{"--name is required"};
      v1::CreateUserRequest req;
      *req.mutable_user() = u;
      req.set_password(ReadPassword("password for " + u.login() + ": "));
      PrintUser(ctl, ctl.CallOn<v1::CreateUserRequest, v1::User>(*stub, &S::CreateUser, req));
      return 0;
    }
    v1::UpdateUserRequest req;
    if (a.Has("name")) req.add_fields("display_name");
    if (a.Has("language")) req.add_fields("language");
    if (a.Has("grant")) req.add_fields("grants");
    if (a.Has("disable") || a.Has("enable")) {
      req.add_fields("disabled");
      u.set_disabled(a.Has("disable"));
    }
    *req.mutable_user() = u;
    PrintUser(ctl, ctl.CallOn<v1::UpdateUserRequest, v1::User>(*stub, &S::UpdateUser, req));
    return 0;
  }
  if (cmd == "get") {
    a.Allow({}, 1);
    v1::GetUserRequest req;
    req.set_login(a.positional[0]);
    PrintUser(ctl, ctl.CallOn<v1::GetUserRequest, v1::User>(*stub, &S::GetUser, req));
    return 0;
  }
  if (cmd == "list") {
    a.Allow({"site", "all"}, 0);
    v1::ListUsersRequest req;
    req.set_site_id(a.Get("site"));
    req.set_include_disabled(a.Has("all"));
    auto resp = ctl.CallOn<v1::ListUsersRequest, v1::ListUsersResponse>(*stub, &S::ListUsers, req);
    PrintUsers(ctl, {resp.users().begin(), resp.users().end()});
    return 0;
  }
  if (cmd == "reset-password") {
    a.Allow({}, 1);
    v1::ResetPasswordRequest req;
    req.set_login(a.positional[0]);
    req.set_temporary_password(ReadPassword("temporary password for " + req.login() + ": "));
    ctl.CallOn<v1::ResetPasswordRequest, v1::ResetPasswordResponse>(*stub, &S::ResetPassword, req);
    std::cout << req.login() << " must choose a new password at the next login\n";
    return 0;
  }
  throw UsageError{"users create|update|get|list|reset-password (lobbyctl users --help)"};
}

}  // namespace lobbyctl

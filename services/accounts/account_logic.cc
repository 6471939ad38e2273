#include "services/accounts/account_logic.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/accounts/credentials.h"
#include "services/common/proto_util.h"
#include "services/common/sessions.h"
#include "services/common/status_macros.h"

namespace lobby::accounts {
namespace {

constexpr char kWrongCredentials[] = "wrong login name or password";

bool ValidLogin(absl::string_view login) {
  if (login.size() < 3 || login.size() > 32) return false;
  for (char c : login) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '.' && c != '_' && c != '-')
      return false;
  }
  return true;
}

std::string Minutes(absl::Duration d) {
  int64_t m = std::max<int64_t>(1, absl::ToInt64Minutes(absl::Ceil(d, absl::Minutes(1))));
  return absl::StrCat(m, m == 1 ? " minute" : " minutes");
}

bool IsAdminAnywhere(const auth::Principal& p) { return p.role == auth::Role::kAdmin; }

v1::Session SessionOf(const Credential& c, const auth::Principal& p) {
  v1::Session s;
  s.set_id(c.digest.substr(0, 16));
  s.set_login(c.user);
  *s.mutable_created_at() = ToTimestamp(c.created);
  *s.mutable_last_seen_at() = ToTimestamp(c.last);
  absl::Time idle_end = c.last + c.idle;
  *s.mutable_expires_at() = ToTimestamp(std::min(c.expires, idle_end));
  s.set_address(c.address);
  s.set_current(c.digest == p.credential);
  return s;
}

v1::Token TokenOf(const Credential& c) {
  v1::Token t;
  t.set_id(c.digest.substr(0, 16));
  t.set_name(c.user);
  if (auto grants = auth::ParseGrants(c.grants); grants.ok()) {
    for (const auth::Grant& g : *grants) {
      v1::Grant* out = t.add_grants();
      out->set_site_id(g.site);
      out->set_member_id(g.member);
      for (auth::Role r : auth::kAllRoles) {
        if (g.roles.Has(r)) out->add_roles(std::string(auth::RoleName(r)));
      }
    }
  }
  *t.mutable_created_at() = ToTimestamp(c.created);
  *t.mutable_expires_at() = ToTimestamp(c.expires);
  t.set_created_by(c.created_by);
  return t;
}

/// MatchTotp over a secret stored as base32.
int64_t MatchStored(absl::string_view base32, absl::string_view code, absl::Time now) {
  auto secret = FromBase32(base32);
  if (!secret.ok() || secret->empty()) return -1;
  return MatchTotp(*secret, code, now);
}

/// A hash to verify against when the login is unknown, so that the answer takes as long.
const std::string& DummyHash() {
  static const std::string* hash = new std::string(*HashPassword("not a real password at all"));
  return *hash;
}

}  // namespace

void AccountsConfig::Declare(config::Settings& s) {
  s.Declare("session-idle", "30m", "a session unused this long ends (log in again)");
  s.Declare("session-max-age", "12h", "every session ends this long after its login");
  s.Declare("login-lockout", "15m",
            "after 5 failed logins of one user (or 20 from one address) within this while, "
            "logins wait this long");
}

absl::StatusOr<AccountsConfig> AccountsConfig::From(const config::Settings& s) {
  AccountsConfig c;
  LOBBY_ASSIGN_OR_RETURN(c.session_idle, s.GetDuration("session-idle"));
  LOBBY_ASSIGN_OR_RETURN(c.session_max_age, s.GetDuration("session-max-age"));
  LOBBY_ASSIGN_OR_RETURN(c.lockout, s.GetDuration("login-lockout"));
  if (c.session_idle < absl::Minutes(1)) return s.Invalid("session-idle", "at least 1m");
  if (c.session_max_age < c.session_idle || c.session_max_age > absl::Hours(24 * 30))
    return s.Invalid("session-max-age", "from session-idle to 30 days");
  if (c.lockout < absl::Seconds(1) || c.lockout > absl::Hours(24))
    return s.Invalid("login-lockout", "from 1s to 24h");
  return c;
}

absl::Status CheckGrants(const google::protobuf::RepeatedPtrField<v1::Grant>& grants,
                         bool machine) {
  if (grants.empty()) return absl::InvalidArgumentError("grants: at least one estate and role");
  for (const v1::Grant& g : grants) {
    if (g.site_id().empty() || g.site_id().size() > 64)
      return absl::InvalidArgumentError("grants: each names its estate (site_id, or * for all)");
    if (g.roles().empty())
      return absl::InvalidArgumentError(absl::StrCat("grants: no role for '", g.site_id(), "'"));
    for (const std::string& r : g.roles()) {
      LOBBY_ASSIGN_OR_RETURN(auth::Role role, auth::ParseRole(r));
      if (role == auth::Role::kAdapter && !machine)
        return absl::InvalidArgumentError("grants: 'adapter' is for machine tokens only");
      if (g.site_id() == "*" && role != auth::Role::kAdmin && role != auth::Role::kAdapter)
        return absl::InvalidArgumentError(
            "grants: only admins (and adapters' tokens) may hold a role in every estate ('*')");
    }
    if (g.member_id().size() > 64)
      return absl::InvalidArgumentError("grants: member_id is at most 64 characters");
  }
  return absl::OkStatus();
}

absl::StatusOr<StoredUser> AccountLogic::MustGet(const std::string& login) {
  LOBBY_ASSIGN_OR_RETURN(auto u, store_.GetUser(login));
  if (!u) return absl::NotFoundError(absl::StrCat("no user '", login, "'"));
  return *std::move(u);
}

absl::StatusOr<std::string> AccountLogic::Whose(const std::string& login,
                                                const auth::Principal& p) {
  if (login.empty() || login == p.user) {
    if (p.user.empty())
      return absl::FailedPreconditionError("only a signed-in user has this (a token has none)");
    return p.user;
  }
  if (!IsAdminAnywhere(p) || !p.all_estates)
    return absl::PermissionDeniedError("another user's: admins only");
  return login;
}

absl::Status AccountLogic::EndSessions(const std::string& login, const std::string& keep) {
  LOBBY_ASSIGN_OR_RETURN(auto sessions, store_.Credentials(login, clock_.Now()));
  for (const Credential& c : sessions) {
    if (c.digest == keep) continue;
    LOBBY_RETURN_IF_ERROR(store_.DeleteCredential(c));
    forget_(c.digest);
  }
  return absl::OkStatus();
}

absl::Status AccountLogic::LockedOut() const {
  return absl::ResourceExhaustedError(absl::StrCat("too many failed logins: this account waits ",
                                                   Minutes(config_.lockout),
                                                   " (or an admin resets its password)"));
}

absl::Status AccountLogic::Failed(const std::string& login, const std::string& address) {
  if (!address.empty())
    LOBBY_RETURN_IF_ERROR(
        store_.CountFailure(absl::StrCat("addr:", address), config_.lockout).status());
  if (login.empty()) return absl::UnauthenticatedError(kWrongCredentials);
  LOBBY_ASSIGN_OR_RETURN(int64_t n,
                         store_.CountFailure(absl::StrCat("user:", login), config_.lockout));
  if (n >= config_.max_failures) return LockedOut();
  return absl::UnauthenticatedError(kWrongCredentials);
}

absl::StatusOr<v1::LoginResponse> AccountLogic::Login(const v1::LoginRequest& req,
                                                      const std::string& address) {
  const absl::Time now = clock_.Now();
  if (req.login().empty() || req.password().empty())
    return absl::InvalidArgumentError("login and password are required");
  if (req.password().size() > kMaxPasswordBytes)
    return absl::UnauthenticatedError(kWrongCredentials);
  if (!address.empty()) {
    LOBBY_ASSIGN_OR_RETURN(int64_t n, store_.Failures(absl::StrCat("addr:", address)));
    if (n >= config_.max_address_failures)
      return absl::ResourceExhaustedError(absl::StrCat(
          "too many failed logins from this address: try again in ", Minutes(config_.lockout)));
  }
  LOBBY_ASSIGN_OR_RETURN(int64_t failures, store_.Failures(absl::StrCat("user:", req.login())));
  if (failures >= config_.max_failures) return LockedOut();
  LOBBY_ASSIGN_OR_RETURN(auto found, store_.GetUser(req.login()));
  if (!found || found->user.disabled()) {
    (void)VerifyPassword(DummyHash(), req.password());
    return Failed(found ? req.login() : "", address);
  }
  StoredUser& u = *found;
  if (!VerifyPassword(u.password_hash, req.password())) return Failed(req.login(), address);
  if (!u.totp_secret.empty()) {
    if (req.totp_code().empty())
      return absl::UnauthenticatedError(
          "this account has a second factor: give the code from the authenticator app "
          "(totp_code)");
    int64_t step = MatchStored(u.totp_secret, req.totp_code(), now);
    if (step < 0 || step <= u.totp_last_step) return Failed(req.login(), address);
    u.totp_last_step = step;
  }
  LOBBY_RETURN_IF_ERROR(store_.ClearFailures(absl::StrCat("user:", req.login())));
  if (NeedsRehash(u.password_hash)) {
    if (auto h = HashPassword(req.password()); h.ok()) u.password_hash = *h;
  }
  *u.user.mutable_last_login_at() = ToTimestamp(now);
  LOBBY_RETURN_IF_ERROR(store_.PutUser(u, false));

  std::string secret = auth::NewSecret(auth::kSessionPrefix);
  Credential c{.digest = auth::HexDigest(secret),
               .kind = "session",
               .user = u.user.login(),
               .created = now,
               .expires = now + config_.session_max_age,
               .last = now,
               .idle = config_.session_idle,
               .address = address,
               .must_change_password = u.user.must_change_password()};
  LOBBY_RETURN_IF_ERROR(store_.PutCredential(c));
  v1::LoginResponse resp;
  resp.set_session_token(secret);
  *resp.mutable_expires_at() = ToTimestamp(c.expires);
  *resp.mutable_user() = u.user;
  resp.mutable_user()->set_kind("session");
  resp.set_must_change_password(u.user.must_change_password());
  return resp;
}

absl::Status AccountLogic::Logout(const auth::Principal& p) {
  if (p.kind != "session")
    return absl::FailedPreconditionError("only a session logs out (revoke a token instead)");
  LOBBY_RETURN_IF_ERROR(store_.DeleteCredential(
      Credential{.digest = p.credential, .kind = "session", .user = p.user}));
  forget_(p.credential);
  return absl::OkStatus();
}

absl::StatusOr<v1::User> AccountLogic::WhoAmI(const auth::Principal& p) {
  if (p.kind == "session") {
    LOBBY_ASSIGN_OR_RETURN(auto u, MustGet(p.user));
    u.user.set_kind("session");
    return u.user;
  }
  v1::User u;
  u.set_login(p.name);
  u.set_display_name(p.name);
  u.set_kind(p.kind);
  v1::Grant* g = u.add_grants();
  g->add_roles(std::string(auth::RoleName(p.role)));
  g->set_site_id(p.all_estates ? "*" : absl::StrJoin(p.estates, ","));
  return u;
}

absl::Status AccountLogic::ChangePassword(const v1::ChangePasswordRequest& req,
                                          const auth::Principal& p) {
  LOBBY_ASSIGN_OR_RETURN(std::string login, Whose("", p));
  LOBBY_ASSIGN_OR_RETURN(auto u, MustGet(login));
  if (!VerifyPassword(u.password_hash, req.current_password()))
    return absl::PermissionDeniedError("the current password is wrong");
  LOBBY_RETURN_IF_ERROR(CheckPassword(req.new_password(), login));
  if (req.new_password() == req.current_password())
    return absl::InvalidArgumentError("the new password must differ from the current one");
  LOBBY_ASSIGN_OR_RETURN(u.password_hash, HashPassword(req.new_password()));
  u.user.set_must_change_password(false);
  *u.user.mutable_updated_at() = ToTimestamp(clock_.Now());
  LOBBY_RETURN_IF_ERROR(store_.PutUser(u, false));
  LOBBY_RETURN_IF_ERROR(EndSessions(login, p.credential));
  LOBBY_RETURN_IF_ERROR(store_.ClearMustChange(p.credential));
  forget_(p.credential);
  return absl::OkStatus();
}

absl::StatusOr<v1::User> AccountLogic::CreateUser(const v1::CreateUserRequest& req) {
  const v1::User& in = req.user();
  if (!ValidLogin(in.login()))
    return absl::InvalidArgumentError("login: 3 to 32 characters of a-z, 0-9, '.', '_' and '-'");
  if (in.display_name().empty() || in.display_name().size() > 100)
    return absl::InvalidArgumentError("display_name: 1 to 100 bytes");
  if (!in.language().empty() && in.language() != "en" && in.language() != "zh-Hant" &&
      in.language() != "zh-Hans")
    return absl::InvalidArgumentError("language: zh-Hant, zh-Hans or en");
  LOBBY_RETURN_IF_ERROR(CheckGrants(in.grants(), false));
  LOBBY_RETURN_IF_ERROR(CheckPassword(req.password(), in.login()));
  StoredUser u;
  u.user.set_login(in.login());
  u.user.set_display_name(in.display_name());
  u.user.set_language(in.language().empty() ? "en" : in.language());
  *u.user.mutable_grants() = in.grants();
  const absl::Time now = clock_.Now();
  *u.user.mutable_created_at() = ToTimestamp(now);
  *u.user.mutable_updated_at() = ToTimestamp(now);
  LOBBY_ASSIGN_OR_RETURN(u.password_hash, HashPassword(req.password()));
  LOBBY_RETURN_IF_ERROR(store_.PutUser(u, true));
  return u.user;
}

absl::StatusOr<v1::User> AccountLogic::UpdateUser(const v1::UpdateUserRequest& req) {
  LOBBY_ASSIGN_OR_RETURN(auto u, MustGet(req.user().login()));
  if (req.fields().empty())
    return absl::InvalidArgumentError(
        "fields: name what to change (display_name, language, grants, disabled)");
  bool end_sessions = false;
  for (const std::string& f : req.fields()) {
    if (f == "display_name") {
      if (req.user().display_name().empty())
        return absl::InvalidArgumentError("display_name: 1 to 100 bytes");
      u.user.set_display_name(req.user().display_name());
    } else if (f == "language") {
      const std::string& l = req.user().language();
      if (l != "en" && l != "zh-Hant" && l != "zh-Hans")
        return absl::InvalidArgumentError("language: zh-Hant, zh-Hans or en");
      u.user.set_language(l);
    } else if (f == "grants") {
      LOBBY_RETURN_IF_ERROR(CheckGrants(req.user().grants(), false));
      *u.user.mutable_grants() = req.user().grants();  // sessions read them afresh
    } else if (f == "disabled") {
      u.user.set_disabled(req.user().disabled());
      end_sessions = req.user().disabled();
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("fields: '", f, "' is not one of display_name, language, grants, disabled"));
    }
  }
  *u.user.mutable_updated_at() = ToTimestamp(clock_.Now());
  LOBBY_RETURN_IF_ERROR(store_.PutUser(u, false));
  if (end_sessions) LOBBY_RETURN_IF_ERROR(EndSessions(u.user.login()));
  return u.user;
}

absl::StatusOr<v1::User> AccountLogic::GetUser(const v1::GetUserRequest& req,
                                               const auth::Principal& p) {
  LOBBY_ASSIGN_OR_RETURN(std::string login, Whose(req.login(), p));
  LOBBY_ASSIGN_OR_RETURN(auto u, MustGet(login));
  return u.user;
}

absl::StatusOr<v1::ListUsersResponse> AccountLogic::ListUsers(const v1::ListUsersRequest& req,
                                                              const auth::Principal& p) {
  LOBBY_ASSIGN_OR_RETURN(auto users, store_.ListUsers());
  v1::ListUsersResponse resp;
  for (StoredUser& u : users) {
    if (u.user.disabled() && !req.include_disabled()) continue;
    bool shown = p.all_estates && req.site_id().empty();
    for (const v1::Grant& g : u.user.grants()) {
      bool filter = req.site_id().empty() || g.site_id() == req.site_id();
      if (filter && (auth::MayActIn(p, g.site_id()))) shown = true;
    }
    if (shown) *resp.add_users() = std::move(u.user);
  }
  return resp;
}

absl::Status AccountLogic::ResetPassword(const v1::ResetPasswordRequest& req) {
  LOBBY_ASSIGN_OR_RETURN(auto u, MustGet(req.login()));
  LOBBY_RETURN_IF_ERROR(CheckPassword(req.temporary_password(), req.login()));
  LOBBY_ASSIGN_OR_RETURN(u.password_hash, HashPassword(req.temporary_password()));
  u.user.set_must_change_password(true);
  *u.user.mutable_updated_at() = ToTimestamp(clock_.Now());
  LOBBY_RETURN_IF_ERROR(store_.PutUser(u, false));
  LOBBY_RETURN_IF_ERROR(store_.ClearFailures(absl::StrCat("user:", req.login())));
  return EndSessions(req.login());
}

absl::StatusOr<v1::EnrolTotpResponse> AccountLogic::EnrolTotp(const auth::Principal& p) {
  LOBBY_ASSIGN_OR_RETURN(std::string login, Whose("", p));
  LOBBY_ASSIGN_OR_RETURN(auto u, MustGet(login));
  if (!u.totp_secret.empty())
    return absl::FailedPreconditionError("a second factor is on already: disable it first");
  std::string secret = NewTotpSecret();
  u.totp_pending = Base32(secret);
  LOBBY_RETURN_IF_ERROR(store_.PutUser(u, false));
  v1::EnrolTotpResponse resp;
  resp.set_secret(u.totp_pending);
  resp.set_uri(TotpUri(secret, login));
  return resp;
}

absl::StatusOr<v1::User> AccountLogic::ConfirmTotp(const v1::ConfirmTotpRequest& req,
                                                   const auth::Principal& p) {
  LOBBY_ASSIGN_OR_RETURN(std::string login, Whose("", p));
  LOBBY_ASSIGN_OR_RETURN(auto u, MustGet(login));
  if (u.totp_pending.empty())
    return absl::FailedPreconditionError("no second factor being enrolled (EnrolTotp first)");
  int64_t step = MatchStored(u.totp_pending, req.code(), clock_.Now());
  if (step < 0) return absl::InvalidArgumentError("that code does not match: try the next one");
  u.totp_secret = std::move(u.totp_pending);
  u.totp_pending.clear();
  u.totp_last_step = step;
  u.user.set_totp_enabled(true);
  *u.user.mutable_updated_at() = ToTimestamp(clock_.Now());
  LOBBY_RETURN_IF_ERROR(store_.PutUser(u, false));
  return u.user;
}

absl::StatusOr<v1::User> AccountLogic::DisableTotp(const v1::DisableTotpRequest& req,
                                                   const auth::Principal& p) {
  LOBBY_ASSIGN_OR_RETURN(std::string login, Whose(req.login(), p));
  LOBBY_ASSIGN_OR_RETURN(auto u, MustGet(login));
  if (login == p.user && MatchStored(u.totp_secret, req.code(), clock_.Now()) < 0)
    return absl::PermissionDeniedError("a current code from the authenticator app is needed");
  u.totp_secret.clear();
  u.totp_pending.clear();
  u.user.set_totp_enabled(false);
  *u.user.mutable_updated_at() = ToTimestamp(clock_.Now());
  LOBBY_RETURN_IF_ERROR(store_.PutUser(u, false));
  return u.user;
}

absl::StatusOr<v1::ListSessionsResponse> AccountLogic::ListSessions(
    const v1::ListSessionsRequest& req, const auth::Principal& p) {
  LOBBY_ASSIGN_OR_RETURN(std::string login, Whose(req.login(), p));
  LOBBY_ASSIGN_OR_RETURN(auto sessions, store_.Credentials(login, clock_.Now()));
  v1::ListSessionsResponse resp;
  for (const Credential& c : sessions) *resp.add_sessions() = SessionOf(c, p);
  return resp;
}

absl::Status AccountLogic::RevokeSession(const v1::RevokeSessionRequest& req,
                                         const auth::Principal& p) {
  LOBBY_ASSIGN_OR_RETURN(std::string login, Whose(req.login(), p));
  LOBBY_ASSIGN_OR_RETURN(auto sessions, store_.Credentials(login, clock_.Now()));
  for (const Credential& c : sessions) {
    if (req.id().size() < 8 || !absl::StartsWith(c.digest, req.id())) continue;
    LOBBY_RETURN_IF_ERROR(store_.DeleteCredential(c));
    forget_(c.digest);
    return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat("no session '", req.id(), "' of '", login, "'"));
}

absl::StatusOr<v1::CreateTokenResponse> AccountLogic::CreateToken(const v1::CreateTokenRequest& req,
                                                                  const auth::Principal& p) {
  if (req.name().empty() || req.name().size() > 64)
    return absl::InvalidArgumentError("name: 1 to 64 bytes, what the token is for");
  LOBBY_RETURN_IF_ERROR(CheckGrants(req.grants(), true));
  const absl::Time now = clock_.Now();
  if (!req.has_expires_at() || !IsValidTimestamp(req.expires_at()))
    return absl::InvalidArgumentError("expires_at: when the token ends (at most a year ahead)");
  absl::Time expires = FromTimestamp(req.expires_at());
  if (expires <= now || expires > now + absl::Hours(24 * 366))
    return absl::InvalidArgumentError("expires_at: in the future, at most a year ahead");
  LOBBY_ASSIGN_OR_RETURN(std::string grants, EncodeGrants(req.grants()));
  std::string secret = auth::NewSecret(auth::kMachinePrefix);
  Credential c{.digest = auth::HexDigest(secret),
               .kind = "token",
               .user = req.name(),
               .grants = std::move(grants),
               .created = now,
               .expires = expires,
               .last = now,
               .created_by = p.name};
  LOBBY_RETURN_IF_ERROR(store_.PutCredential(c));
  v1::CreateTokenResponse resp;
  *resp.mutable_token() = TokenOf(c);
  resp.set_secret(secret);
  return resp;
}

absl::StatusOr<v1::ListTokensResponse> AccountLogic::ListTokens() {
  LOBBY_ASSIGN_OR_RETURN(auto tokens, store_.Credentials("", clock_.Now()));
  v1::ListTokensResponse resp;
  for (const Credential& c : tokens) *resp.add_tokens() = TokenOf(c);
  return resp;
}

absl::Status AccountLogic::RevokeToken(const v1::RevokeTokenRequest& req) {
  LOBBY_ASSIGN_OR_RETURN(auto tokens, store_.Credentials("", clock_.Now()));
  for (const Credential& c : tokens) {
    if (req.id().size() < 8 || !absl::StartsWith(c.digest, req.id())) continue;
    LOBBY_RETURN_IF_ERROR(store_.DeleteCredential(c));
    forget_(c.digest);
    return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat("no token '", req.id(), "'"));
}

absl::StatusOr<v1::ListAuditResponse> AccountLogic::ListAudit(const v1::ListAuditRequest& req,
                                                              const auth::Principal& p) {
  int limit = req.limit() <= 0 ? 100 : std::min(req.limit(), 1000);
  absl::Time since = req.has_since() ? FromTimestamp(req.since()) : absl::InfinitePast();
  absl::Time until = req.has_until() ? FromTimestamp(req.until()) : absl::InfiniteFuture();
  LOBBY_ASSIGN_OR_RETURN(auto entries, store_.Audit(since, until, 20000));
  v1::ListAuditResponse resp;
  for (v1::AuditEntry& e : entries) {
    if (!req.actor().empty() && e.actor() != req.actor()) continue;
    if (!req.site_id().empty() && e.site_id() != req.site_id()) continue;
    if (!req.target().empty() && e.target() != req.target()) continue;
    // A manager reads their estates' entries; entries of no estate (accounts) are admins'.
    if (!p.all_estates && (e.site_id().empty() || !auth::MayActIn(p, e.site_id()))) continue;
    *resp.add_entries() = std::move(e);
    if (resp.entries_size() >= limit) break;
  }
  return resp;
}

}  // namespace lobby::accounts

#include "services/accounts/redis_account_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/proto_util.h"
#include "services/common/sessions.h"
#include "services/common/status_macros.h"

namespace lobby::accounts {
namespace {

constexpr char kUsers[] = "lobby:accounts:users";
constexpr char kTokens[] = "lobby:accounts:tokens";

std::string SessionsKey(absl::string_view login) {
  return absl::StrCat("lobby:accounts:sessions:", login);
}
std::string IndexOf(const Credential& c) {
  return c.kind == "session" ? SessionsKey(c.user) : std::string(kTokens);
}

int64_t Int(const absl::flat_hash_map<std::string, std::string>& h, const char* f) {
  auto it = h.find(f);
  int64_t v = 0;
  if (it != h.end()) (void)absl::SimpleAtoi(it->second, &v);
  return v;
}

absl::StatusOr<StoredUser> UserFrom(const absl::flat_hash_map<std::string, std::string>& h) {
  StoredUser u;
  auto it = h.find("proto");
  if (it == h.end() || !u.user.ParseFromString(it->second))
    return absl::DataLossError("a user record in Redis does not parse");
  auto get = [&](const char* f) {
    auto i = h.find(f);
    return i == h.end() ? std::string() : i->second;
  };
  u.password_hash = get("hash");
  u.totp_secret = get("totp");
  u.totp_pending = get("totp_pending");
  u.totp_last_step = h.contains("totp_step") ? Int(h, "totp_step") : -1;
  return u;
}

Credential CredentialFrom(std::string digest,
                          const absl::flat_hash_map<std::string, std::string>& h) {
  auto get = [&](const char* f) {
    auto i = h.find(f);
    return i == h.end() ? std::string() : i->second;
  };
  return Credential{.digest = std::move(digest),
                    .kind = get("kind"),
                    .user = get("user"),
                    .grants = get("grants"),
                    .created = absl::FromUnixMillis(Int(h, "created")),
                    .expires = absl::FromUnixMillis(Int(h, "expires")),
                    .last = absl::FromUnixMillis(Int(h, "last")),
                    .idle = absl::Milliseconds(Int(h, "idle")),
                    .address = get("address"),
                    .created_by = get("created_by"),
                    .must_change_password = get("must_change") == "1"};
}

}  // namespace

absl::StatusOr<std::string> EncodeGrants(
    const google::protobuf::RepeatedPtrField<v1::Grant>& grants) {
  std::vector<auth::Grant> out;
  for (const v1::Grant& g : grants) {
    auth::Grant ag{.site = g.site_id(), .member = g.member_id()};
    for (const std::string& r : g.roles()) {
      LOBBY_ASSIGN_OR_RETURN(auto role, auth::ParseRole(r));
      ag.roles.Add(role);
    }
    out.push_back(std::move(ag));
  }
  return auth::EncodeGrants(out);
}

absl::StatusOr<std::optional<StoredUser>> RedisAccountStore::GetUser(const std::string& login) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"HGETALL", auth::UserKey(login)}));
  auto h = auth::HashReply(r);
  if (h.empty()) return std::nullopt;
  LOBBY_ASSIGN_OR_RETURN(auto u, UserFrom(h));
  return u;
}

absl::Status RedisAccountStore::PutUser(const StoredUser& u, bool create) {
  const std::string& login = u.user.login();
  if (create) {
    LOBBY_ASSIGN_OR_RETURN(auto added, redis_.Command({"SADD", kUsers, login}));
    if (added.integer == 0)
      return absl::AlreadyExistsError(absl::StrCat("a user '", login, "' exists already"));
  }
  LOBBY_ASSIGN_OR_RETURN(std::string grants, EncodeGrants(u.user.grants()));
  LOBBY_RETURN_IF_ERROR(
      redis_
          .Command({"HSET", auth::UserKey(login), "proto", u.user.SerializeAsString(), "grants",
                    grants, "disabled", u.user.disabled() ? "1" : "0", "hash", u.password_hash,
                    "totp", u.totp_secret, "totp_pending", u.totp_pending, "totp_step",
                    absl::StrCat(u.totp_last_step)})
          .status());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredUser>> RedisAccountStore::ListUsers() {
  LOBBY_ASSIGN_OR_RETURN(auto logins, redis_.Command({"SMEMBERS", kUsers}));
  std::vector<redis::Args> cmds;
  for (const auto& l : logins.elements) cmds.push_back({"HGETALL", auth::UserKey(l.str)});
  std::vector<StoredUser> out;
  if (cmds.empty()) return out;
  LOBBY_ASSIGN_OR_RETURN(auto replies, redis_.Run(std::move(cmds)));
  for (const auto& r : replies) {
    auto h = auth::HashReply(r);
    if (h.empty()) continue;
    LOBBY_ASSIGN_OR_RETURN(auto u, UserFrom(h));
    out.push_back(std::move(u));
  }
  std::sort(out.begin(), out.end(), [](const StoredUser& a, const StoredUser& b) {
    return a.user.login() < b.user.login();
  });
  return out;
}

absl::Status RedisAccountStore::PutCredential(const Credential& c) {
  const std::string key = auth::CredentialKey(c.digest);
  std::vector<redis::Args> cmds = {{"HSET",        key,
                                    "kind",        c.kind,
                                    "user",        c.user,
                                    "grants",      c.grants,
                                    "created",     absl::StrCat(absl::ToUnixMillis(c.created)),
                                    "expires",     absl::StrCat(absl::ToUnixMillis(c.expires)),
                                    "last",        absl::StrCat(absl::ToUnixMillis(c.last)),
                                    "idle",        absl::StrCat(absl::ToInt64Milliseconds(c.idle)),
                                    "address",     c.address,
                                    "created_by",  c.created_by,
                                    "must_change", c.must_change_password ? "1" : "0"},
                                   {"PEXPIREAT", key, absl::StrCat(absl::ToUnixMillis(c.expires))},
                                   {"SADD", IndexOf(c), c.digest}};
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Transaction(std::move(cmds)));
  (void)r;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Credential>> RedisAccountStore::GetCredential(
    const std::string& digest) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"HGETALL", auth::CredentialKey(digest)}));
  auto h = auth::HashReply(r);
  if (h.empty()) return std::nullopt;
  return CredentialFrom(digest, h);
}

absl::Status RedisAccountStore::DeleteCredential(const Credential& c) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Transaction({{"DEL", auth::CredentialKey(c.digest)},
                                                     {"SREM", IndexOf(c), c.digest}}));
  (void)r;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Credential>> RedisAccountStore::Credentials(const std::string& login,
                                                                       absl::Time now) {
  const std::string index = login.empty() ? std::string(kTokens) : SessionsKey(login);
  LOBBY_ASSIGN_OR_RETURN(auto digests, redis_.Command({"SMEMBERS", index}));
  std::vector<Credential> out;
  if (digests.elements.empty()) return out;
  std::vector<redis::Args> cmds;
  for (const auto& d : digests.elements) cmds.push_back({"HGETALL", auth::CredentialKey(d.str)});
  LOBBY_ASSIGN_OR_RETURN(auto replies, redis_.Run(std::move(cmds)));
  redis::Args gone = {"SREM", index};
  for (size_t i = 0; i < replies.size(); ++i) {
    auto h = auth::HashReply(replies[i]);
    Credential c = CredentialFrom(digests.elements[i].str, h);
    bool idle_out = c.idle > absl::ZeroDuration() && now - c.last >= c.idle;
    if (h.empty() || now >= c.expires || idle_out) {
      gone.push_back(c.digest);
      continue;
    }
    out.push_back(std::move(c));
  }
  if (gone.size() > 2) (void)redis_.Command(std::move(gone));
  std::sort(out.begin(), out.end(),
            [](const Credential& a, const Credential& b) { return a.created > b.created; });
  return out;
}

absl::Status RedisAccountStore::ClearMustChange(const std::string& digest) {
  return redis_.Command({"HSET", auth::CredentialKey(digest), "must_change", "0"}).status();
}

absl::StatusOr<int64_t> RedisAccountStore::CountFailure(const std::string& key,
                                                        absl::Duration window) {
  const std::string k = absl::StrCat("lobby:accounts:fail:", key);
  LOBBY_ASSIGN_OR_RETURN(
      auto r,
      redis_.Transaction(
          {{"INCR", k}, {"PEXPIRE", k, absl::StrCat(absl::ToInt64Milliseconds(window)), "NX"}}));
  return r[0].integer;
}

absl::StatusOr<int64_t> RedisAccountStore::Failures(const std::string& key) {
  LOBBY_ASSIGN_OR_RETURN(auto r,
                         redis_.Command({"GET", absl::StrCat("lobby:accounts:fail:", key)}));
  int64_t n = 0;
  if (!r.IsNil()) (void)absl::SimpleAtoi(r.str, &n);
  return n;
}

absl::Status RedisAccountStore::ClearFailures(const std::string& key) {
  return redis_.Command({"DEL", absl::StrCat("lobby:accounts:fail:", key)}).status();
}

absl::StatusOr<std::vector<v1::AuditEntry>> RedisAccountStore::Audit(absl::Time since,
                                                                     absl::Time until, int scan) {
  // Entries are in the order written; "at" is the services' clock (settable in tests), so the
  // window is applied to it rather than to the stream ids.
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"XREVRANGE", "lobby:q:audit", "+", "-", "COUNT",
                                                 absl::StrCat(scan)}));
  std::vector<v1::AuditEntry> out;
  for (const redis::Reply& e : r.elements) {
    if (e.elements.size() != 2) continue;
    auto h = auth::HashReply(e.elements[1]);
    absl::Time at = absl::FromUnixMillis(Int(h, "at"));
    if (at < since || at > until) continue;
    v1::AuditEntry a;
    a.set_id(e.elements[0].str);
    *a.mutable_at() = ToTimestamp(at);
    a.set_actor(h["actor"]);
    a.set_role(h["role"]);
    a.set_acting_for(h["for"]);
    a.set_method(h["method"]);
    a.set_site_id(h["site"]);
    a.set_target(h["target"]);
    a.set_outcome(h["outcome"]);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace lobby::accounts

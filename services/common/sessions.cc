#include "services/common/sessions.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/status_macros.h"

namespace lobby::auth {
namespace {

constexpr absl::Duration kTouchEvery = absl::Minutes(1);

int64_t Millis(const absl::flat_hash_map<std::string, std::string>& h, const char* field) {
  auto it = h.find(field);
  int64_t v = 0;
  if (it == h.end() || !absl::SimpleAtoi(it->second, &v)) return 0;
  return v;
}

}  // namespace

std::string EncodeGrants(const std::vector<Grant>& grants) {
  std::vector<std::string> items;
  for (const Grant& g : grants) {
    std::vector<absl::string_view> roles;
    for (Role r : kAllRoles) {
      if (g.roles.Has(r)) roles.push_back(RoleName(r));
    }
    items.push_back(absl::StrCat(g.site, "=", absl::StrJoin(roles, "+"),
                                 g.member.empty() ? "" : absl::StrCat("/", g.member)));
  }
  return absl::StrJoin(items, ";");
}

absl::StatusOr<std::vector<Grant>> ParseGrants(absl::string_view encoded) {
  std::vector<Grant> out;
  for (absl::string_view item : absl::StrSplit(encoded, ';', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    std::pair<absl::string_view, absl::string_view> rm =
        absl::StrSplit(kv.second, absl::MaxSplits('/', 1));
    Grant g{.site = std::string(kv.first), .member = std::string(rm.second)};
    for (absl::string_view r : absl::StrSplit(rm.first, '+', absl::SkipEmpty())) {
      LOBBY_ASSIGN_OR_RETURN(Role role, ParseRole(r));
      g.roles.Add(role);
    }
    if (g.site.empty() || g.roles.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("grant '", item, "': expected SITE=ROLE[+ROLE...][/MEMBER]"));
    }
    out.push_back(std::move(g));
  }
  return out;
}

std::string NewSecret(absl::string_view prefix) {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();  // no entropy: nothing is safe
  return absl::StrCat(prefix, absl::WebSafeBase64Escape(absl::string_view(
                                  reinterpret_cast<const char*>(bytes), sizeof bytes)));
}

std::string HexDigest(absl::string_view secret) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), d);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(d), sizeof d));
}

std::string CredentialKey(absl::string_view digest) {
  return absl::StrCat("lobby:accounts:cred:", digest);
}
std::string UserKey(absl::string_view login) { return absl::StrCat("lobby:accounts:user:", login); }

absl::flat_hash_map<std::string, std::string> HashReply(const redis::Reply& reply) {
  absl::flat_hash_map<std::string, std::string> h;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2)
    h[reply.elements[i].str] = reply.elements[i + 1].str;
  return h;
}

absl::StatusOr<Identity> CredentialStore::Resolve(absl::string_view secret) {
  Identity id{.digest = HexDigest(secret)};
  const std::string key = CredentialKey(id.digest);
  LOBBY_ASSIGN_OR_RETURN(redis::Reply cred, redis_.Command({"HGETALL", key}));
  auto c = HashReply(cred);
  if (c.empty()) return absl::UnauthenticatedError("unknown or ended session or token");
  const int64_t now = absl::ToUnixMillis(clock_.Now());
  const int64_t expires = Millis(c, "expires"), idle = Millis(c, "idle"), last = Millis(c, "last");
  if ((expires > 0 && now >= expires) || (idle > 0 && now - last >= idle)) {
    (void)redis_.Command({"DEL", key});
    return absl::UnauthenticatedError(c["kind"] == "session" ? "session expired: log in again"
                                                             : "token expired");
  }
  id.kind = c["kind"];
  id.user = c["user"];
  id.must_change_password = c["must_change"] == "1";
  if (id.kind == "token") {
    LOBBY_ASSIGN_OR_RETURN(id.grants, ParseGrants(c["grants"]));
    return id;
  }
  std::vector<redis::Args> cmds = {{"HMGET", UserKey(id.user), "grants", "disabled"}};
  if (now - last >= absl::ToInt64Milliseconds(kTouchEvery))
    cmds.push_back({"HSET", key, "last", absl::StrCat(now)});
  LOBBY_ASSIGN_OR_RETURN(auto replies, redis_.Run(std::move(cmds)));
  const redis::Reply& user = replies[0];
  if (user.elements.size() != 2 || user.elements[0].IsNil())
    return absl::UnauthenticatedError("the session's user no longer exists");
  if (user.elements[1].str == "1") return absl::UnauthenticatedError("account disabled");
  LOBBY_ASSIGN_OR_RETURN(id.grants, ParseGrants(user.elements[0].str));
  return id;
}

absl::StatusOr<Principal> PrincipalFor(const Identity& identity, RoleSet allowed,
                                       absl::string_view method) {
  if (identity.must_change_password && !absl::EndsWith(method, "/ChangePassword") &&
      !absl::EndsWith(method, "/WhoAmI") && !absl::EndsWith(method, "/Logout")) {
    return absl::FailedPreconditionError(
        "your password was reset: change it first (lobbyctl passwd, or the console)");
  }
  Principal p{.user = identity.kind == "session" ? identity.user : "",
              .kind = identity.kind,
              .all_estates = false,
              .credential = identity.digest};
  bool any = false;
  std::string member;
  bool one_member = true;
  for (const Grant& g : identity.grants) {
    bool here = false;
    for (Role r : kAllRoles) {
      if (!g.roles.Has(r) || !allowed.Has(r)) continue;
      if (!any || static_cast<int>(r) > static_cast<int>(p.role)) p.role = r;
      any = here = true;
    }
    if (!here) continue;
    if (g.site == "*") {
      p.all_estates = true;
    } else {
      p.estates.push_back(g.site);
    }
    if (!g.member.empty()) {
      if (!member.empty() && member != g.member) one_member = false;
      member = g.member;
    }
  }
  if (!any) {
    return absl::PermissionDeniedError(
        absl::StrCat(identity.kind == "session" ? "user '" : "token '", identity.user,
                     "' holds no role that may call ", method));
  }
  if (p.all_estates) p.estates.clear();
  p.name = !member.empty() && one_member ? member : identity.user;
  return p;
}

}  // namespace lobby::auth

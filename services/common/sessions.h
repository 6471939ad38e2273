#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/redis.h"
#include "services/common/roles.h"

namespace lobby::auth {

/// Roles in one estate ("*": every estate), and the dispatch member id the holder is there.
struct Grant {
  std::string site;
  RoleSet roles{};
  std::string member;
};

/// "demo=agent+supervisor/cheung;*=admin": grants as the accounts' Redis records hold them.
std::string EncodeGrants(const std::vector<Grant>& grants);
/// INVALID_ARGUMENT naming the bad item.
absl::StatusOr<std::vector<Grant>> ParseGrants(absl::string_view encoded);

/// What a session token or a machine token of the accounts service stands for.
struct Identity {
  std::string kind;  // "session" or "token"
  std::string user;  // the login (sessions) or the token's name
  std::vector<Grant> grants;
  bool must_change_password = false;  // sessions after an admin's reset
  std::string digest;                 // hex SHA-256 of the presented secret
};

/// Session tokens start "lbs_", machine tokens "lbt_"; 32 random bytes follow, base64url.
inline constexpr char kSessionPrefix[] = "lbs_";
inline constexpr char kMachinePrefix[] = "lbt_";
std::string NewSecret(absl::string_view prefix);
std::string HexDigest(absl::string_view secret);

/// The Redis records the accounts service writes and every process reads:
///   lobby:accounts:cred:<hex digest>  hash: kind, user, grants (tokens), created, expires (ms),
///                                     idle (ms, sessions), last (ms), address, must_change
///   lobby:accounts:user:<login>       hash: the user (grants, disabled, password hash, ...)
std::string CredentialKey(absl::string_view digest);
std::string UserKey(absl::string_view login);

/// Looks presented secrets up in Redis (one or two round trips; the authenticator caches).
class CredentialStore {
 public:
  CredentialStore(redis::Client& redis, const Clock& clock) : redis_(redis), clock_(clock) {}
  /// UNAUTHENTICATED when unknown, expired (absolutely or idle), or the user is disabled. A
  /// session seen after more than a minute has its last-seen time moved.
  absl::StatusOr<Identity> Resolve(absl::string_view secret);

 private:
  redis::Client& redis_;
  const Clock& clock_;
};

/// The principal `identity` is for a call of `method` allowed to `allowed`: the highest of its
/// roles the method allows, and the estates where it holds one. PERMISSION_DENIED when none;
/// FAILED_PRECONDITION for any method but ChangePassword, WhoAmI and Logout while the password
/// must be changed.
absl::StatusOr<Principal> PrincipalFor(const Identity& identity, RoleSet allowed,
                                       absl::string_view method);

/// A Redis hash reply as a map.
absl::flat_hash_map<std::string, std::string> HashReply(const redis::Reply& reply);

}  // namespace lobby::auth

#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/clock.h"
#include "services/common/roles.h"
#include "services/common/sessions.h"

namespace lobby::auth {

/// Bearer tokens and the role each carries. Tokens of the tokens file are kept only as SHA-256
/// digests, and a presented token is hashed before the lookup, so the lookup's timing tells
/// nothing about the secret. Session and machine tokens of the accounts service ("lbs_...",
/// "lbt_...") are looked up through the resolver (Redis) and cached for a short while: a
/// revoked session or a changed grant takes effect everywhere within that while, at once in the
/// process that made the change. Thread-safe after loading; Check may block on a cache miss.
class Authenticator {
 public:
  /// `tokens_file`: lines "ROLE TOKEN [NAME]", '#' comments. `tokens`: "ROLE:TOKEN[:NAME],...".
  /// A bad line is INVALID_ARGUMENT naming the file and line (never the token).
  static absl::StatusOr<Authenticator> Load(const std::string& tokens_file,
                                            const std::string& tokens);
  void Add(Role role, absl::string_view token, std::string name);
  size_t size() const { return tokens_.size(); }

  using Resolver = std::function<absl::StatusOr<Identity>(absl::string_view secret)>;
  /// Session and machine tokens are resolved by `resolver`, each answer kept for `cache_ttl`
  /// of `clock`'s time.
  void SetResolver(Resolver resolver, const Clock* clock, absl::Duration cache_ttl);
  /// Drops a credential (hex digest) from this process's cache: after Logout and revocations.
  void Forget(absl::string_view digest) const;

  /// UNAUTHENTICATED without a known "authorization: Bearer <token>"; PERMISSION_DENIED when the
  /// token's role is not in `allowed`. A public method (Login) gives an anonymous principal.
  absl::StatusOr<Principal> Authorize(const grpc::CallbackServerContext& ctx, RoleSet allowed,
                                      absl::string_view method) const;
  absl::StatusOr<Principal> Check(absl::string_view authorization_header, RoleSet allowed,
                                  absl::string_view method) const;

 private:
  absl::StatusOr<Identity> Lookup(absl::string_view secret) const;

  absl::flat_hash_map<std::string, Principal> tokens_;  // sha256(token) -> principal
  struct Cache {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, std::pair<Identity, absl::Time>> entries ABSL_GUARDED_BY(mu);
  };
  Resolver resolver_;
  const Clock* clock_ = nullptr;
  absl::Duration cache_ttl_;
  std::shared_ptr<Cache> cache_ = std::make_shared<Cache>();
};

}  // namespace lobby::auth

#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "services/common/roles.h"

namespace lobby::auth {

/// Bearer tokens and the role each carries. Tokens are kept only as SHA-256 digests, and a
/// presented token is hashed before the lookup, so the lookup's timing tells nothing about
/// the secret. Thread-safe after loading.
class Authenticator {
 public:
  /// `tokens_file`: lines "ROLE TOKEN [NAME]", '#' comments. `tokens`: "ROLE:TOKEN[:NAME],...".
  /// A bad line is INVALID_ARGUMENT naming the file and line (never the token).
  static absl::StatusOr<Authenticator> Load(const std::string& tokens_file,
                                            const std::string& tokens);
  void Add(Role role, absl::string_view token, std::string name);
  size_t size() const { return tokens_.size(); }

  /// UNAUTHENTICATED without a known "authorization: Bearer <token>"; PERMISSION_DENIED when the
  /// token's role is not in `allowed`.
  absl::StatusOr<Principal> Authorize(const grpc::CallbackServerContext& ctx, RoleSet allowed,
                                      absl::string_view method) const;
  absl::StatusOr<Principal> Check(absl::string_view authorization_header, RoleSet allowed,
                                  absl::string_view method) const;

 private:
  absl::flat_hash_map<std::string, Principal> tokens_;  // sha256(token) -> principal
};

}  // namespace lobby::auth

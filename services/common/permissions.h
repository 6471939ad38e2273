#pragma once

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "services/common/roles.h"

namespace lobby::auth {

/// One row of the permission table: the roles that may call a gRPC method at all, and what
/// the method checks beyond the role (shown in docs/permissions.md).
struct MethodRoles {
  absl::string_view method;  // "lobby.v1.RepairService/GetRepair"
  RoleSet roles;
  absl::string_view beyond;  // "" when the role is all there is to it
};

/// Every gRPC method of Lobby and the roles that may call it: the one table that the services
/// enforce (RpcEnv::Method), the security tests drive method by method, and
/// docs/permissions.md is generated from (`lobbyctl permissions --markdown`).
absl::Span<const MethodRoles> Permissions();

/// The roles that may call `method`. A method missing from the table is a programming error:
/// it aborts at start, so no method is ever served unchecked.
RoleSet RolesFor(absl::string_view method);

/// The methods that change nothing (the audit trail records every other method's calls).
absl::Span<const absl::string_view> ReadMethods();
bool IsRead(absl::string_view method);

/// docs/permissions.md's table, as Markdown.
std::string PermissionsMarkdown();

}  // namespace lobby::auth

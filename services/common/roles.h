#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lobby::auth {

enum class Role : uint8_t { kAdapter, kAgent, kTechnician, kManager, kAdmin };

absl::string_view RoleName(Role role);
absl::StatusOr<Role> ParseRole(absl::string_view name);

/// A set of roles, as a bit mask.
class RoleSet {
 public:
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= 1u << static_cast<unsigned>(r);
  }
  constexpr bool Has(Role r) const { return bits_ & (1u << static_cast<unsigned>(r)); }

 private:
  uint32_t bits_ = 0;
};

/// Managers and admins: who review complaints and may know an anonymous complainant.
constexpr bool IsSupervisor(Role r) { return r == Role::kManager || r == Role::kAdmin; }

struct Principal {
  Role role = Role::kAgent;
  std::string name;  // from the tokens file; never the token
  /// Adapters only: whom the adapter acts for in this call, from the `lobby-acting-for` header:
  /// "resident:RS-10001", "phone:+85291234567" (a guest's number) or "staff:NAME" (a person the
  /// adapter authenticated itself, e.g. a hotline agent). Empty for everyone else.
  /// "member:ID" (a staff member whose chat identity the adapter linked) is not an adapter's
  /// principal: Authorize makes it the technician ID, acting_for kept for the logs (from an
  /// adapter's token, or an admin's: adapters without a token of their own use the service's).
  std::string acting_for;
};

/// The metadata key adapters name whom they act for with (see Principal::acting_for).
inline constexpr char kActingForHeader[] = "lobby-acting-for";

}  // namespace lobby::auth

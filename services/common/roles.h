#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lobby::auth {

/// In ascending order of reach: where a principal holds several roles, a call is made with the
/// last of them that the method allows.
enum class Role : uint8_t { kAdapter, kAgent, kTechnician, kSupervisor, kManager, kAdmin };
inline constexpr Role kAllRoles[] = {Role::kAdapter,    Role::kAgent,   Role::kTechnician,
                                     Role::kSupervisor, Role::kManager, Role::kAdmin};

absl::string_view RoleName(Role role);
absl::StatusOr<Role> ParseRole(absl::string_view name);

/// A set of roles, as a bit mask.
class RoleSet {
 public:
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) bits_ |= 1u << static_cast<unsigned>(r);
  }
  constexpr bool Has(Role r) const { return bits_ & (1u << static_cast<unsigned>(r)); }
  constexpr void Add(Role r) { bits_ |= 1u << static_cast<unsigned>(r); }
  constexpr bool empty() const { return bits_ == 0; }
  /// A method anyone may call without credentials (AccountService/Login).
  static constexpr RoleSet Public() {
    RoleSet s{};
    s.bits_ = kPublicBit;
    return s;
  }
  constexpr bool IsPublic() const { return bits_ & kPublicBit; }

 private:
  static constexpr uint32_t kPublicBit = 1u << 31;
  uint32_t bits_ = 0;
};

/// Managers and admins: who review complaints and may know an anonymous complainant.
constexpr bool IsManagement(Role r) { return r == Role::kManager || r == Role::kAdmin; }

struct Principal {
  /// The role this call is made with: the highest the principal holds (in any of its estates)
  /// among those the method allows.
  Role role = Role::kAgent;
  /// Who acts, as history and the audit trail name them: the member id a user is in the
  /// estate (so "acknowledged by" is a person), else the user's login, the token's name.
  std::string name;
  /// The account's login ("" for tokens), and the credential's kind: "static" (the tokens
  /// file), "session" or "token" (a machine token of the accounts service).
  std::string user;
  std::string kind = "static";
  /// The estates the principal may act in with the method's roles: every estate when
  /// all_estates (tokens from the tokens file, admins for "*").
  bool all_estates = true;
  std::vector<std::string> estates;
  /// The credential's digest, for Logout and "current" in ListSessions (sessions only).
  std::string credential;
  /// Adapters only: whom the adapter acts for in this call, from the `lobby-acting-for` header:
  /// "resident:RS-10001", "phone:+85291234567" (a guest's number) or "staff:NAME" (a person the
  /// adapter authenticated itself, e.g. a hotline agent). Empty for everyone else.
  /// "member:ID" (a staff member whose chat identity the adapter linked) is not an adapter's
  /// principal: Authorize makes it the technician ID, acting_for kept for the logs (from an
  /// adapter's token, or an admin's: adapters without a token of their own use the service's).
  std::string acting_for;
};

inline bool MayActIn(const Principal& p, absl::string_view site) {
  if (p.all_estates) return true;
  for (const std::string& e : p.estates) {
    if (e == site) return true;
  }
  return false;
}

/// PERMISSION_DENIED unless `p` may act in `site`: for what is found by its id (a ticket, a
/// call, a follow-up), whose estate the request does not name.
absl::Status CheckEstate(const Principal& p, absl::string_view site);

/// The metadata key adapters name whom they act for with (see Principal::acting_for).
inline constexpr char kActingForHeader[] = "lobby-acting-for";

}  // namespace lobby::auth

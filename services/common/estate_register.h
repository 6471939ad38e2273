#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "lobby/v1/dispatch.grpc.pb.h"
#include "services/common/clock.h"
#include "services/common/service_client.h"

namespace lobby {

class Runtime;

/// What is wrong with a location, with the nearest valid choices: for the services' errors and
/// for the chat bot, which says it in the resident's language.
struct RegisterMiss {
  enum class What { kBuilding, kFloor, kRoom, kArea, kTeam, kMember };
  What what;
  std::string given;            // as typed
  std::string building, floor;  // the parts that were right (canonical)
  std::vector<std::string>
      choices;       // the nearest valid ones first; floors and rooms as ranges ("1-3, 5-40")
  std::string team;  // kMember: the team the member is not in
};

/// "location: Tower 1 has no floor 99 (floors: 1-3, 5-40)".
std::string Describe(const RegisterMiss& miss, absl::string_view site);

/// How the register compares names: lower case, no spaces ("Tower 1" is "tower1").
std::string FoldName(absl::string_view s);
/// How it compares floors: folded, a trailing "/F" or "F" dropped ("12/F" is floor "12").
std::string FoldFloor(absl::string_view s);
/// "B12" into ("B", 12), at most `max_digits` digits; false without a trailing number.
bool SplitNumber(absl::string_view s, std::string* prefix, int* n, size_t max_digits = 6);

/// "1, 2, 3, 5, A, B, C" as "1-3, 5, A-C": runs of consecutive numbers or letters joined.
std::string CompactRanges(const std::vector<std::string>& items);

/// One estate's register (v1::EstateRegister from DispatchService.GetRegister), indexed for
/// checks. Names match without regard to case, spaces or a floor's "/F" ("t1", "12/F"); a check
/// that passes writes the canonical spelling back, one that fails changes nothing. An estate
/// without buildings accepts every location; one without teams every assignee.
class EstateRegister {
 public:
  explicit EstateRegister(v1::EstateRegister proto);

  const v1::EstateRegister& proto() const { return proto_; }
  bool has_buildings() const { return proto_.buildings_size() > 0; }

  std::optional<RegisterMiss> CheckUnit(v1::Unit& unit) const;
  /// A unit, or a common area: building, and a floor of it and/or one of its common areas.
  std::optional<RegisterMiss> CheckLocation(v1::Location& location) const;
  std::optional<RegisterMiss> CheckBuilding(std::string& building) const;
  /// The member must be in the team (both ids).
  std::optional<RegisterMiss> CheckAssignee(absl::string_view team, absl::string_view member) const;

  /// The building (canonical name) or nullptr.
  const v1::Building* FindBuilding(absl::string_view name) const;
  /// Every floor of a building: those with flats, then the others.
  static std::vector<std::string> Floors(const v1::Building& b);

 private:
  std::optional<RegisterMiss> CheckFloor(const v1::Building& b, std::string& floor, bool need_rooms,
                                         int* level) const;

  v1::EstateRegister proto_;
  absl::flat_hash_map<std::string, int> buildings_;  // folded name or alias -> index
};

/// The registers of the estates, asked of DispatchService (GetRegister) and kept for kTtl. A
/// check that fails on a register older than kRecheck asks again before refusing, so a unit or
/// member added by `lobbyctl apply` is accepted at once. When the dispatch service is not
/// reachable a location is accepted unchecked (a resident's report is never refused for that),
/// with a warning in the log. Thread-safe.
class RegisterCache {
 public:
  static constexpr absl::Duration kTtl = absl::Seconds(5);
  static constexpr absl::Duration kRecheck = absl::Seconds(1);

  RegisterCache(ClientEnv env, const Clock& clock)
      : dispatch_(std::move(env), "dispatch"), clock_(clock) {}
  /// The process's one cache (its services share it): DispatchService at the runtime's
  /// directory, with the service token.
  static RegisterCache& Of(Runtime& runtime);

  /// INVALID_ARGUMENT naming the nearest valid choices; OK where the estate has no register.
  absl::Status CheckLocation(absl::string_view site, v1::Location& location);
  absl::Status CheckUnit(v1::Unit& unit);
  absl::Status CheckBuildings(absl::string_view site,
                              google::protobuf::RepeatedPtrField<std::string>& buildings);
  absl::Status CheckAssignee(absl::string_view site, absl::string_view team,
                             absl::string_view member);
  /// The register (nullptr: unknown, not checked), for callers that show its choices.
  std::shared_ptr<const EstateRegister> Get(absl::string_view site, bool fresh = false);

 private:
  struct Entry {
    std::shared_ptr<const EstateRegister> reg;  // nullptr: no check
    absl::Status refused;                       // the site is not an estate
    absl::Time at;
  };
  Entry Fetch(absl::string_view site, bool fresh);
  absl::Status Check(
      absl::string_view site,
      const std::function<std::optional<RegisterMiss>(const EstateRegister&)>& check);

  ServiceClient<v1::DispatchService> dispatch_;
  const Clock& clock_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, Entry> cache_;
};

}  // namespace lobby

#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lobby/v1/dispatch.pb.h"

namespace lobby::dispatch {

/// Parses and validates one estate's configuration in YAML (docs/examples/estate.yaml) as a
/// whole: unknown keys, duplicate ids, references to teams that do not exist, a fallback cycle,
/// skills or seniority outside 1..3, capacity outside 1..100, shifts that are not
/// "HH:MM-HH:MM", an unknown time zone — each is INVALID_ARGUMENT naming the item and the line.
absl::StatusOr<v1::Estate> ParseEstate(absl::string_view yaml);

/// Human-readable differences, for --dry-run: "team plumbing added", "member lee changed", ...
std::vector<std::string> EstateChanges(const v1::Estate& before, const v1::Estate& after);

}  // namespace lobby::dispatch

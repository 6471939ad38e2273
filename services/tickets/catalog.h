#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lobby/v1/common.pb.h"

namespace lobby::tickets {

/// Parses and validates a category catalog in YAML (see default_catalog.yaml). Every problem is
/// INVALID_ARGUMENT naming the category and the line: unknown keys, duplicate ids, a kind other
/// than repair/complaint, a missing name in zh-Hant, zh-Hans or en, a priority other than
/// P1..P4, an emergency without safety instructions in all three languages.
absl::StatusOr<v1::Catalog> ParseCatalog(absl::string_view yaml, const std::string& site_id);

/// The catalog shipped with Lobby, for a site that has none of its own.
const v1::Catalog& DefaultCatalog();

/// The category `id` in `catalog`, or null.
const v1::Category* FindCategory(const v1::Catalog& catalog, absl::string_view id);

}  // namespace lobby::tickets

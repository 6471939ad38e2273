#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace lobby::residents {

struct CsvRecord {
  int line = 0;  // line the record starts on (1-based)
  std::vector<std::string> fields;
};

/// RFC 4180 CSV: quoted fields with "" escapes and embedded newlines, CRLF or LF, an optional
/// UTF-8 byte-order mark. Blank lines are skipped. INVALID_ARGUMENT with the line number for an
/// unterminated quote or a stray quote inside an unquoted field.
absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text);

}  // namespace lobby::residents

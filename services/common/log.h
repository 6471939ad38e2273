#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace lobby::log {

/// Sets up logging once per process. `format` is "text" or "json"; `levels` is a default level
/// optionally followed by per-logger overrides: "info,redis=debug,queue=warn".
/// Returns INVALID_ARGUMENT naming the bad part. Not thread-safe: call from main() first.
absl::Status Init(absl::string_view format, absl::string_view levels);

/// A named logger ("redis", "residents", "chatbot.telegram"), created on first use with the
/// configured sinks, format and level. Thread-safe.
std::shared_ptr<spdlog::logger> Get(const std::string& name);

/// "+85291234567" -> "+852****4567": country code and last four digits only.
std::string MaskPhone(absl::string_view phone);

/// "Chan Tai Man" -> "C***", "陳大文" -> "陳**": the first character only.
std::string MaskName(absl::string_view name);

/// "abcdef123456" -> "abcd…(12)": enough to tell tokens and ids apart, never the secret.
std::string MaskSecret(absl::string_view secret);

}  // namespace lobby::log

// Debian's abseil has its own string_view type: let fmt (and so spdlog) print it.
template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<fmt::string_view> {
  template <typename FormatContext>
  auto format(absl::string_view s, FormatContext& ctx) const {
    return fmt::formatter<fmt::string_view>::format(fmt::string_view(s.data(), s.size()), ctx);
  }
};

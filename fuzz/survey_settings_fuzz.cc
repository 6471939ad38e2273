// An estate's survey settings in YAML (lobbyctl apply -f).
#include <cstddef>
#include <cstdint>

#include "services/surveys/survey_logic.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)lobby::surveys::ParseSettings(absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

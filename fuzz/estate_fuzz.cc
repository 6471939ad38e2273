// An estate's teams, members, rules and SLA policies in YAML (lobbyctl apply -f).
#include <cstddef>
#include <cstdint>

#include "services/dispatch/estate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)lobby::dispatch::ParseEstate(absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

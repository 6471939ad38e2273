// An estate's category catalog in YAML (lobbyctl apply -f).
#include <cstddef>
#include <cstdint>

#include "services/tickets/catalog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)lobby::tickets::ParseCatalog(absl::string_view(reinterpret_cast<const char*>(data), size),
                                     "demo");
  return 0;
}

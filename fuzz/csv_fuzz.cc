// The residents CSV a manager imports.
#include <cstddef>
#include <cstdint>

#include "services/residents/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)lobby::residents::ParseCsv(absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

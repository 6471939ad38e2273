// A cloud call centre's CTI webhook body.
#include <cstddef>
#include <cstdint>
#include <string>

#include "adapters/hotline/hotline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto e = lobby::hotline::ParseCtiEvent(std::string(reinterpret_cast<const char*>(data), size));
  if (e.ok() && e->call_id.empty()) __builtin_trap();
  return 0;
}

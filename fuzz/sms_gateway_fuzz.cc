// The generic SMS gateway's JSON webhook body.
#include <cstddef>
#include <cstdint>
#include <string>

#include "adapters/sms/sms.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t = lobby::sms::ParseGatewayText(std::string(reinterpret_cast<const char*>(data), size));
  if (t.ok() && (t->from.empty() || t->photos.size() > 10)) __builtin_trap();
  return 0;
}

// What residents type: keywords, ticket numbers, blank and invisible text, cut to a length.
#include <cstddef>
#include <cstdint>
#include <string>

#include "adapters/common/texts.h"
#include "adapters/sms/texting.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string rest;
  (void)lobby::sms::ParseKeyword(text, &rest);
  (void)lobby::adapters::FindTicketNumber(text);
  (void)lobby::adapters::IsBlank(text);
  std::string cut = lobby::adapters::Utf8Prefix(text, size % 64);
  if (cut.size() > text.size()) __builtin_trap();
  return 0;
}

// The AMI framing: whatever bytes a PBX (or something posing as one) sends, split anywhere.
#include <cstddef>
#include <cstdint>

#include "adapters/hotline/ami.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lobby::hotline::AmiReader reader;
  absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The first byte decides where the stream is cut, as TCP would.
  size_t cut = size > 0 ? data[0] % (size + 1) : 0;
  reader.Feed(bytes.substr(0, cut));
  lobby::hotline::AmiMessage m;
  while (reader.Next(&m)) (void)m.Get("Event");
  reader.Feed(bytes.substr(cut));
  while (reader.Next(&m)) (void)m.Get("ActionID");
  return 0;
}

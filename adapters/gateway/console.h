#pragma once

// The web console's files (web/, built into web/dist by scripts/build), served by lobbyd on the
// HTTP port beside the API: index.html at / and at each of the console's own paths (the page
// routes in the browser), the bundle under /assets/. Every file is read once, at start, into
// memory: nothing on the request path touches the disk, and no path from a request ever names
// a file.

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace lobby::gateway {

/// What every console answer carries: scripts and styles from this origin only (none inline),
/// no frames, no outside fetches.
inline constexpr char kConsoleCsp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

class Console {
 public:
  /// Reads `dir`: index.html, and assets/ (names with their content hash: cached for a year).
  static absl::StatusOr<std::unique_ptr<Console>> Load(const std::string& dir);

  /// GET / , the console's page paths and /assets/NAME.
  void Register(httplib::Server& server) const;
  size_t files() const { return assets_.size() + 1; }

 private:
  struct File {
    std::string body;
    std::string type;
    std::string etag;
  };
  Console() = default;

  File index_;
  std::map<std::string, File, std::less<>> assets_;  // by name under assets/
};

}  // namespace lobby::gateway

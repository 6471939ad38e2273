#include "tools/lobbyctl/lobbyctl.h"

namespace lobbyctl {

const std::set<std::string> kBoolFlags = {
    "all",      "dry-run",   "verified",    "help",      "entry-permission",
    "internal", "anonymous", "auto-attach", "not-fixed", "csv"};

Args ParseArgs(int argc, const char* const* argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-o") arg = "--output";
    if (arg == "-h") arg = "--help";
    if (arg == "-f" || arg == "--file") arg = "--f";
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      a.positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2), value;
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (kBoolFlags.count(name)) {
      value = "true";
    } else {
      if (i + 1 >= argc) throw UsageError{"--" + name + " needs a value"};
      value = argv[++i];
    }
    a.flags.emplace(name, value);
  }
  return a;
}

}  // namespace lobbyctl

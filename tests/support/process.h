#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace lobby::testing {

/// The folder of the running test binary (build/bin), where lobbyd and lobbyctl are too.
std::string BinDir();

/// A whole file as a string ("" when it cannot be read): logs, ready files, examples.
std::string ReadFile(const std::string& path);

/// The gRPC address in a `lobbyd --ready-file` ("grpc=ADDR http=ADDR").
std::string ReadyGrpcAddress(const std::string& ready_file);

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs a program to completion with `env` added to a clean environment (PATH kept), feeding
/// `input` on stdin. Kills it after `timeout_seconds`.
ProcessResult Run(const std::vector<std::string>& argv,
                  const std::map<std::string, std::string>& env, const std::string& input = "",
                  double timeout_seconds = 30);

/// A long-running child (lobbyd), its stderr written to `log_path`.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
        const std::string& log_path);
  ~Child();
  pid_t pid() const { return pid_; }
  void Signal(int sig);
  /// To the child and everything it started, as Ctrl-C in a terminal does.
  void SignalGroup(int sig);
  /// The exit code, or -1 when it has not exited within `seconds` (then it is killed).
  int Wait(double seconds);
  bool Running();

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool exited_ = false;
};

}  // namespace lobby::testing

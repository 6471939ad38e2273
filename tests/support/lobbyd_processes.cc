#include "tests/support/lobbyd_processes.h"

#include <stdlib.h>

#include <filesystem>
#include <iostream>

namespace lobby::testing {

void LobbydProcesses::SetUp() {
  char tmpl[] = "/tmp/lobby-e2e-XXXXXX";
  dir_ = mkdtemp(tmpl);
}

void LobbydProcesses::TearDown() {
  children_.clear();  // each stopped before its folder goes
  if (HasFailure()) {
    std::cout << "logs kept in " << dir_ << "\n";
  } else {
    std::filesystem::remove_all(dir_);
  }
}

Child* LobbydProcesses::StartLobbyd(const std::string& name, std::vector<std::string> flags,
                                    std::map<std::string, std::string> env) {
  std::string ready = dir_ + "/" + name + ".ready";
  std::vector<std::string> argv = {BinDir() + "/lobbyd", "--ready-file", ready};
  argv.insert(argv.end(), flags.begin(), flags.end());
  env["LOBBY_REDIS_URL"] = redis_.url();
  children_.push_back(std::make_unique<Child>(argv, env, dir_ + "/" + name + ".log"));
  Child* c = children_.back().get();
  EXPECT_TRUE(WaitFor([&] { return std::filesystem::exists(ready) || !c->Running(); }))
      << Log(name);
  EXPECT_TRUE(c->Running()) << Log(name);
  return c;
}

std::string LobbydProcesses::GrpcOf(const std::string& name) {
  return ReadyGrpcAddress(dir_ + "/" + name + ".ready");
}

std::string LobbydProcesses::Log(const std::string& name) {
  return ReadFile(dir_ + "/" + name + ".log");
}

}  // namespace lobby::testing

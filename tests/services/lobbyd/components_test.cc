// The one component list: every adapter directory is in it, and its names and settings hold.
#include "services/lobbyd/components.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

namespace lobby {
namespace {

std::set<std::string> NamesOf(ComponentDef::Kind kind) {
  std::set<std::string> out;
  for (const ComponentDef& c : Components()) {
    if (c.kind == kind) out.emplace(c.name);
  }
  return out;
}

TEST(ComponentsTest, EveryChatProviderDirectoryIsInTheList) {
  std::set<std::string> dirs;
  for (const auto& e : std::filesystem::directory_iterator(LOBBY_SOURCE_DIR "/adapters/chatbot")) {
    if (e.is_directory() && std::filesystem::exists(e.path() / "CMakeLists.txt"))
      dirs.insert(e.path().filename().string());
  }
  ASSERT_EQ(dirs, (std::set<std::string>{"line", "telegram", "wechat", "whatsapp"}));
  std::set<std::string> adapters = NamesOf(ComponentDef::Kind::kAdapter);
  for (const std::string& d : dirs) EXPECT_TRUE(adapters.count(d)) << d << " is not in the list";
  EXPECT_TRUE(adapters.count("sms"));
  EXPECT_TRUE(adapters.count("hotline"));
  EXPECT_TRUE(adapters.count("gateway"));
}

TEST(ComponentsTest, NamesAreUniqueAndServicesComeBeforeTheirCallersInProcess) {
  std::set<std::string> seen;
  int repairs = -1, complaints = -1, i = 0;
  for (const ComponentDef& c : Components()) {
    EXPECT_TRUE(seen.emplace(c.name).second) << c.name << " twice";
    if (c.name == "repairs") repairs = i;
    if (c.name == "complaints") complaints = i;
    ++i;
  }
  EXPECT_EQ(NamesOf(ComponentDef::Kind::kService),
            (std::set<std::string>{"residents", "repairs", "complaints", "dispatch", "surveys",
                                   "calls", "accounts"}));
  EXPECT_LT(repairs, complaints) << "complaints read the catalog of an in-process RepairService";
}

TEST(ComponentsTest, AllSettingsDeclareTogetherAndEveryAdapterNeedsADeclaredOne) {
  config::Settings settings;
  config::CommonConfig::Declare(settings);
  // Components share some settings (--adapter-token, --chat-sites): the same declaration twice
  // is one setting, a different one would abort here.
  for (const ComponentDef& c : Components()) c.declare(settings);
  std::string help = settings.Help();
  for (const ComponentDef& c : Components()) {
    if (c.kind != ComponentDef::Kind::kAdapter) {
      EXPECT_TRUE(c.needs.empty()) << c.name;
      continue;
    }
    ASSERT_FALSE(c.needs.empty()) << c.name;
    EXPECT_NE(help.find("--" + std::string(c.needs)), std::string::npos)
        << c.name << " needs --" << c.needs << ", which nothing declares";
  }
}

}  // namespace
}  // namespace lobby

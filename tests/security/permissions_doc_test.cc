// docs/permissions.md shows the permission table the services enforce: generated from it, and
// checked here so that the two never drift. LOBBY_UPDATE_DOCS=1 rewrites the table in place.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "services/common/permissions.h"

namespace lobby::security {
namespace {

constexpr char kBegin[] = "<!-- permissions: generated from services/common/permissions.cc -->\n";
constexpr char kEnd[] = "<!-- end of permissions -->";

TEST(PermissionsDocTest, DocsShowTheTableTheServicesEnforce) {
  std::string path = std::string(LOBBY_SOURCE_DIR) + "/docs/permissions.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream buf;
  buf << in.rdbuf();
  std::string doc = buf.str();
  size_t begin = doc.find(kBegin), end = doc.find(kEnd);
  ASSERT_NE(begin, std::string::npos) << "the generated block's start marker";
  ASSERT_NE(end, std::string::npos);
  begin += sizeof(kBegin) - 1;
  std::string table = auth::PermissionsMarkdown();
  if (const char* update = std::getenv("LOBBY_UPDATE_DOCS");
      update != nullptr && std::string(update) == "1") {
    std::ofstream(path) << doc.substr(0, begin) << table << doc.substr(end);
    return;
  }
  EXPECT_EQ(doc.substr(begin, end - begin), table)
      << "docs/permissions.md is out of date: run LOBBY_UPDATE_DOCS=1 build/bin/unit_tests "
         "--gtest_filter=PermissionsDocTest.*";
}

}  // namespace
}  // namespace lobby::security

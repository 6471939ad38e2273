#include "services/tickets/catalog.h"

#include <gtest/gtest.h>

namespace lobby::tickets {
namespace {

TEST(CatalogTest, DefaultCatalogHasTheEstateBasics) {
  const v1::Catalog& c = DefaultCatalog();
  for (const char* id :
       {"plumbing", "electrical", "lift", "lift_trapped", "gas", "water_outage", "doors_locks",
        "cleaning", "pest", "security", "noise", "parking", "staff_conduct", "billing"}) {
    const v1::Category* cat = FindCategory(c, id);
    ASSERT_NE(cat, nullptr) << id;
    EXPECT_EQ(cat->names_size(), 3) << id;
  }
  EXPECT_TRUE(FindCategory(c, "gas")->emergency());
  EXPECT_EQ(FindCategory(c, "gas")->default_priority(), v1::PRIORITY_P1);
  EXPECT_EQ(FindCategory(c, "noise")->kind(), "complaint");
  EXPECT_FALSE(FindCategory(c, "gas")->safety_instructions().at("zh-Hant").empty());
}

TEST(CatalogTest, ErrorsNameTheCategoryAndLine) {
  struct Case {
    const char* yaml;
    const char* says;
  } cases[] = {
      {"categories: []", "no categories"},
      {"colours: [red]", "categories"},
      {"categories:\n  - id: x\n    kind: repair\n    names: {zh-Hant: a, zh-Hans: b, en: c}\n    "
       "default_priority: P9\n",
       "P1"},
      {"categories:\n  - id: x\n    kind: fix\n    names: {zh-Hant: a, zh-Hans: b, en: c}\n    "
       "default_priority: P2\n",
       "kind"},
      {"categories:\n  - id: x\n    kind: repair\n    names: {en: c}\n    default_priority: P2\n",
       "zh-Hant"},
      {"categories:\n  - id: X Y\n    kind: repair\n    names: {zh-Hant: a, zh-Hans: b, en: c}\n   "
       " default_priority: P2\n",
       "id is"},
      {"categories:\n  - id: x\n    kind: repair\n    names: {zh-Hant: a, zh-Hans: b, en: c}\n    "
       "default_priority: P2\n    colour: red\n",
       "unknown key 'colour'"},
      {"categories:\n  - id: x\n    kind: repair\n    names: {zh-Hant: a, zh-Hans: b, en: c}\n    "
       "default_priority: P2\n  - id: x\n    kind: repair\n    names: {zh-Hant: a, zh-Hans: b, en: "
       "c}\n    default_priority: P2\n",
       "twice"},
      {"categories:\n  - id: x\n    kind: repair\n    names: {zh-Hant: a, zh-Hans: b, en: c}\n    "
       "default_priority: P1\n    emergency: true\n",
       "safety_instructions"},
      {"categories:\n  - id: x\n    kind: repair\n    names: {zh-Hant: a, zh-Hans: b, en: c}\n    "
       "default_priority: P3\n    emergency: true\n",
       "P1"},
      {"categories: [ {id: x", "line"},
  };
  for (const Case& c : cases) {
    auto r = ParseCatalog(c.yaml, "demo");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.says), absl::string_view::npos) << r.status();
  }
}

}  // namespace
}  // namespace lobby::tickets

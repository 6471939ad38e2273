#include "services/residents/csv.h"

#include <gtest/gtest.h>

namespace lobby::residents {
namespace {

using Fields = std::vector<std::string>;

TEST(CsvTest, PlainRowsWithLineNumbers) {
  auto r = ParseCsv("name,phone\nAmy,9123 4567\n\nBob,6123 4567");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].fields, (Fields{"name", "phone"}));
  EXPECT_EQ((*r)[1].fields, (Fields{"Amy", "9123 4567"}));
  EXPECT_EQ((*r)[2].line, 4);
  EXPECT_EQ((*r)[2].fields, (Fields{"Bob", "6123 4567"}));
}

TEST(CsvTest, QuotesCommasEscapesNewlinesCrlfAndBom) {
  auto r = ParseCsv(
      "\xEF\xBB\xBFname,note\r\n\"Wong, Amy\",\"said "
      "\"\"hi\"\"\"\r\n\"two\nlines\",x\r\nlast,\"\"\r\n");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].fields, (Fields{"name", "note"}));
  EXPECT_EQ((*r)[1].fields, (Fields{"Wong, Amy", "said \"hi\""}));
  EXPECT_EQ((*r)[2].fields, (Fields{"two\nlines", "x"}));
  EXPECT_EQ((*r)[3].line, 5);
  EXPECT_EQ((*r)[3].fields, (Fields{"last", ""}));
}

TEST(CsvTest, EmptyFieldsAndChinese) {
  auto r = ParseCsv("陳大文,,第一座\n,,\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].fields, (Fields{"陳大文", "", "第一座"}));
  EXPECT_EQ((*r)[1].fields, (Fields{"", "", ""}));
}

TEST(CsvTest, Errors) {
  auto unterminated = ParseCsv("a,b\n\"open,c\n");
  ASSERT_FALSE(unterminated.ok());
  EXPECT_NE(unterminated.status().message().find("line 2"), absl::string_view::npos);
  EXPECT_FALSE(ParseCsv("a,b\"c\n").ok());
  EXPECT_FALSE(ParseCsv("\"a\"b,c\n").ok());
}

}  // namespace
}  // namespace lobby::residents

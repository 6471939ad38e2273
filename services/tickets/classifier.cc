#include "services/tickets/classifier.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace lobby::tickets {
namespace {

bool IsAscii(absl::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

int CodePoints(absl::string_view s) {
  return static_cast<int>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool WordChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

// `needle` occurs in `hay` with no letter or digit right before or after it.
bool ContainsWord(absl::string_view hay, absl::string_view needle) {
  for (size_t pos = hay.find(needle); pos != absl::string_view::npos;
       pos = hay.find(needle, pos + 1)) {
    bool start = pos == 0 || !WordChar(hay[pos - 1]);
    size_t end = pos + needle.size();
    bool finish = end == hay.size() || !WordChar(hay[end]);
    if (start && finish) return true;
  }
  return false;
}

}  // namespace

Classifier::Classifier(v1::Catalog catalog) : catalog_(std::move(catalog)) {
  for (const auto& c : catalog_.categories()) {
    std::vector<Keyword> kws;
    for (const auto& k : c.keywords()) {
      std::string text = absl::AsciiStrToLower(k);
      bool ascii = IsAscii(text);
      int weight = ascii ? 2 * static_cast<int>(std::vector<absl::string_view>(
                                                    absl::StrSplit(text, ' ', absl::SkipEmpty()))
                                                    .size())
                         : CodePoints(text);
      kws.push_back({std::move(text), ascii, weight});
    }
    keywords_.push_back(std::move(kws));
  }
}

v1::Classification Classifier::Classify(absl::string_view raw) const {
  // Lower-case ASCII and fold runs of white space to one space, so "Gas  Smell" matches.
  std::string text;
  text.reserve(raw.size());
  bool space = false;
  for (char c : raw) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !text.empty()) text.push_back(' ');
    space = false;
    text.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  v1::Classification out;
  int n = catalog_.categories_size();
  std::vector<int> scores(n, 0);
  std::vector<std::vector<std::string>> matched(n);
  int best = -1, emergency = -1;
  for (int i = 0; i < n; ++i) {
    for (const Keyword& k : keywords_[i]) {
      bool hit = k.ascii ? ContainsWord(text, k.text) : text.find(k.text) != std::string::npos;
      if (hit) {
        scores[i] += k.weight;
        matched[i].push_back(k.text);
      }
    }
    if (scores[i] == 0) continue;
    if (best < 0 || scores[i] > scores[best]) best = i;
    if (catalog_.categories(i).emergency() && (emergency < 0 || scores[i] > scores[emergency]))
      emergency = i;
  }
  if (best < 0) return out;
  // When in doubt it is an emergency: one that scores at least half of the best wins.
  if (emergency >= 0 && 2 * scores[emergency] >= scores[best]) best = emergency;
  int best_score = scores[best], second_score = 0;
  for (int i = 0; i < n; ++i) {
    if (i != best) second_score = std::max(second_score, scores[i]);
  }
  std::vector<std::string>& best_matched = matched[best];
  const v1::Category& c = catalog_.categories(best);
  out.set_category(c.id());
  out.set_kind(c.kind());
  out.set_emergency(c.emergency());
  double share = static_cast<double>(best_score) / (best_score + second_score);
  out.set_confidence(share * std::min(1.0, best_score / 4.0));
  for (auto& m : best_matched) out.add_matched(std::move(m));
  return out;
}

}  // namespace lobby::tickets

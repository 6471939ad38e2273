#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lobby/v1/common.pb.h"

namespace lobby::tickets {

/// Guesses a category from a resident's free text in Traditional Chinese, Simplified Chinese or
/// English, from the catalog's keywords:
///  - a Chinese keyword matches anywhere (Chinese has no spaces) and weighs its length in
///    characters; an English keyword matches whole words only ("smoke" is not "smoking") and
///    weighs two per word, so phrases beat the single words inside them;
///  - a category scores the sum of its matched keywords; the best wins, ties going to the
///    first in catalog order -- except that an emergency category scoring at least half of the
///    best wins (when in doubt, it is an emergency: "smoke coming from next door" is a fire);
///  - confidence = best / (best + runner-up), scaled down while the best score is under 4
///    (one short word is a weak signal). Adapters confirm the guess with the resident.
/// Thread-safe (immutable after construction).
class Classifier {
 public:
  explicit Classifier(v1::Catalog catalog);
  v1::Classification Classify(absl::string_view text) const;
  const v1::Catalog& catalog() const { return catalog_; }

 private:
  struct Keyword {
    std::string text;
    bool ascii;
    int weight;
  };
  v1::Catalog catalog_;
  std::vector<std::vector<Keyword>> keywords_;  // per category, in catalog order
};

}  // namespace lobby::tickets

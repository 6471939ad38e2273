#include "adapters/sms/segments.h"

#include <vector>

namespace lobby::sms {
namespace {

// GSM 03.38 basic alphabet (besides ASCII letters and digits) and extension table, as Unicode
// code points.
constexpr char32_t kBasic[] = {U'@', U'£', U'$',  U'¥', U'è', U'é',  U'ù', U'ì', U'ò', U'Ç', U'\n',
                               U'Ø', U'ø', U'\r', U'Å', U'å', U'Δ',  U'_', U'Φ', U'Γ', U'Λ', U'Ω',
                               U'Π', U'Ψ', U'Σ',  U'Θ', U'Ξ', U'Æ',  U'æ', U'ß', U'É', U' ', U'!',
                               U'"', U'#', U'¤',  U'%', U'&', U'\'', U'(', U')', U'*', U'+', U',',
                               U'-', U'.', U'/',  U':', U';', U'<',  U'=', U'>', U'?', U'¡', U'Ä',
                               U'Ö', U'Ñ', U'Ü',  U'§', U'¿', U'ä',  U'ö', U'ñ', U'ü', U'à'};
constexpr char32_t kExtension[] = {U'^', U'{', U'}', U'\\', U'[', U'~', U']', U'|', U'€', U'\f'};

struct Char {
  char32_t cp;
  size_t begin, end;  // bytes in the input
};

std::vector<Char> Decode(absl::string_view s) {
  std::vector<Char> out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    char32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      unsigned char cc = s[i + k];
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (!ok) {  // a stray byte: one replacement character
      out.push_back({0xFFFD, i, i + 1});
      ++i;
      continue;
    }
    out.push_back({cp, i, i + len});
    i += len;
  }
  return out;
}

// Septets for a GSM-7 character, 0 when it is not one.
int Septets(char32_t cp) {
  if ((cp >= U'a' && cp <= U'z') || (cp >= U'A' && cp <= U'Z') || (cp >= U'0' && cp <= U'9'))
    return 1;
  for (char32_t b : kBasic) {
    if (b == cp) return 1;
  }
  for (char32_t e : kExtension) {
    if (e == cp) return 2;
  }
  return 0;
}

bool IsGsm(const std::vector<Char>& chars) {
  for (const Char& c : chars) {
    if (Septets(c.cp) == 0) return false;
  }
  return true;
}

int Units(const Char& c, bool ucs2) { return ucs2 ? (c.cp > 0xFFFF ? 2 : 1) : Septets(c.cp); }

int SegmentsFor(int units, bool ucs2) {
  if (units == 0) return 0;
  int single = ucs2 ? 70 : 160, part = ucs2 ? 67 : 153;
  return units <= single ? 1 : (units + part - 1) / part;
}

}  // namespace

SmsSize Measure(absl::string_view utf8) {
  std::vector<Char> chars = Decode(utf8);
  SmsSize out;
  out.ucs2 = !IsGsm(chars);
  for (const Char& c : chars) out.units += Units(c, out.ucs2);
  out.segments = SegmentsFor(out.units, out.ucs2);
  return out;
}

std::string Fit(absl::string_view utf8, int max_segments) {
  if (max_segments < 1) max_segments = 1;
  std::vector<Char> chars = Decode(utf8);
  bool ucs2 = !IsGsm(chars);
  int units = 0;
  for (const Char& c : chars) units += Units(c, ucs2);
  if (SegmentsFor(units, ucs2) <= max_segments) return std::string(utf8);
  // Split messages carry a header: every part holds less than a single message.
  int budget = max_segments == 1 ? (ucs2 ? 70 : 160) : max_segments * (ucs2 ? 67 : 153);
  budget -= 3;  // "..." is three units either way
  size_t end = 0;
  int used = 0;
  for (const Char& c : chars) {
    int u = Units(c, ucs2);
    if (used + u > budget) break;
    used += u;
    end = c.end;
  }
  // Do not leave a dangling space or half a word's punctuation before the dots.
  while (end > 0 && utf8[end - 1] == ' ') --end;
  return std::string(utf8.substr(0, end)) + "...";
}

}  // namespace lobby::sms

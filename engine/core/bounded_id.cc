#include "engine/core/bounded_id.h"

#include <cstdint>
#include <cstdio>

namespace hoso::core {
size_t Utf8Length(std::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

namespace {

// The longest prefix of `text` holding at most `chars` characters.
std::string_view Utf8Prefix(std::string_view text, size_t chars) {
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && count++ == chars) {
      return text.substr(0, i);
    }
  }
  return text;
}

}  // namespace

void AppendBoundedId(std::string* out, std::string_view id, size_t max_chars) {
  if (Utf8Length(id) <= max_chars) {
    out->append(id);
    return;
  }
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : id) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char hex[24];
  std::snprintf(hex, sizeof hex, "~%016llx", static_cast<unsigned long long>(hash));
  out->append(Utf8Prefix(id, max_chars - 17));
  out->append(hex);
}

}  // namespace hoso::core

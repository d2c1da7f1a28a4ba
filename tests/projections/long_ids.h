// Ids at the limit the event codec accepts, for layout tests: 128 characters
// of four bytes each in UTF-8 (512 bytes).
#ifndef HOSO_TESTS_PROJECTIONS_LONG_IDS_H_
#define HOSO_TESTS_PROJECTIONS_LONG_IDS_H_

#include <string>

namespace hoso::projections::testing {

// 127 x U+1F600 and one more four-byte character ending in `last`.
inline std::string LongestId(char last) {
  std::string id;
  for (int i = 0; i < 127; ++i) id += "\xF0\x9F\x98\x80";
  id += std::string("\xF0\x9F\x98") + last;
  return id;
}

}  // namespace hoso::projections::testing

#endif  // HOSO_TESTS_PROJECTIONS_LONG_IDS_H_

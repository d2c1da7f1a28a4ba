// KeyPrefix orders keys exactly as bytewise comparison does (RocksDB's
// default comparator, std::string_view's operator<), around the 24 bytes its
// words hold: keys shorter, equal and longer, zero bytes that meet the
// padding, bytes above 0x7f (compared unsigned), and shared prefixes longer
// than the words.
#include "projections/key_prefix.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace hoso::projections {
namespace {

bool PrefixLess(const std::string& a, const std::string& b) {
  return KeyPrefix::Less(KeyPrefix(a), a, KeyPrefix(b), b);
}

TEST(KeyPrefixTest, AnEmptyViewSortsFirst) {
  const std::string_view none;  // data() is null
  EXPECT_TRUE(KeyPrefix::Less(KeyPrefix(none), none, KeyPrefix("a"), "a"));
  EXPECT_FALSE(KeyPrefix::Less(KeyPrefix(none), none, KeyPrefix(none), none));
}

TEST(KeyPrefixTest, OrdersTheCasesAroundItsWordsAsBytewise) {
  const std::string x24(24, 'x');
  const std::vector<std::string> keys = {
      "",
      std::string(1, '\0'),
      "HBT-2019-W03-000001",
      "HBT-2019-W03-000002",
      "HBT-2019-W13-000001",
      "HBT-2019-W03-000001" + std::string(2, '\0'),  // zeros where the padding is
      std::string("ab\0c", 4),
      "ab",
      "abc",
      "\x80"
      "a",  // above 0x7f: after every ASCII byte
      "\xff",
      x24,
      x24 + std::string(1, '\0'),
      x24 + "a",
      x24 + "b",
      x24 + "ab",
      std::string(23, 'x') + std::string(3, '\0'),
      std::string(20, 'x') + std::string(4, '\0') + "y",
  };
  for (const std::string& a : keys) {
    for (const std::string& b : keys) {
      EXPECT_EQ(PrefixLess(a, b), std::string_view(a) < std::string_view(b))
          << "a=" << ::testing::PrintToString(a) << " b=" << ::testing::PrintToString(b);
    }
  }
}

TEST(KeyPrefixTest, SortsRandomKeysAsBytewise) {
  // Few distinct bytes, so keys share long prefixes and meet the padding.
  const std::string alphabet = std::string(
      "\0\x01"
      "a\x7f\x80\xff",
      6);
  std::mt19937_64 random(7);
  std::vector<std::string> keys;
  for (int i = 0; i < 4000; ++i) {
    std::string key(random() % 40, 'a');
    for (char& c : key) c = alphabet[random() % alphabet.size()];
    keys.push_back(key);
  }
  std::vector<std::string> expected = keys;
  std::sort(expected.begin(), expected.end());
  std::vector<KeyPrefix> prefixes;
  for (const std::string& key : keys) prefixes.emplace_back(key);
  std::vector<size_t> order(keys.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return KeyPrefix::Less(prefixes[a], keys[a], prefixes[b], keys[b]);
  });
  std::vector<std::string> sorted;
  for (size_t i : order) sorted.push_back(keys[i]);
  EXPECT_EQ(sorted, expected);
}

}  // namespace
}  // namespace hoso::projections

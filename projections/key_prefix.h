// The bytewise order of RocksDB's default comparator (the order of
// std::string_view's operator<), made cheap to sort by: a key's first 24
// bytes as three big-endian words, zero-padded, decide most comparisons
// without reading the key again; equal prefixes leave the bytes past them,
// then the length, to decide. A writer sorts the records of a checkpoint
// with it before putting them into one write batch (RocksDB's memtable
// inserts a sorted run much faster than keys in arrival order).
#ifndef HOSO_PROJECTIONS_KEY_PREFIX_H_
#define HOSO_PROJECTIONS_KEY_PREFIX_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace hoso::projections {

class KeyPrefix {
 public:
  static constexpr size_t kBytes = 24;  // an id of the simulated district has 19

  KeyPrefix() = default;
  explicit KeyPrefix(std::string_view key) {
    unsigned char padded[kBytes] = {};
    if (!key.empty()) std::memcpy(padded, key.data(), std::min(key.size(), kBytes));
    for (size_t i = 0; i < kBytes; ++i) {  // the first byte most significant
      words_[i / 8] = (words_[i / 8] << 8) | padded[i];
    }
  }

  // Whether key `a` (whose prefix is `a_prefix`) sorts before key `b`.
  static bool Less(const KeyPrefix& a_prefix, std::string_view a, const KeyPrefix& b_prefix,
                   std::string_view b) {
    if (a_prefix.words_ != b_prefix.words_) return a_prefix.words_ < b_prefix.words_;
    // The same first bytes, or one key a prefix of the other, padding aside.
    if (a.size() > kBytes && b.size() > kBytes) return a.substr(kBytes) < b.substr(kBytes);
    return a.size() < b.size();
  }

 private:
  std::array<uint64_t, kBytes / 8> words_{};
};

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_KEY_PREFIX_H_

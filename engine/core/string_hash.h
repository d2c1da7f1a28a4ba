// StringHash: hashes std::string keys and anything viewable as a string
// alike, so an unordered container declared with it and std::equal_to<>
// finds a key by std::string_view without building a std::string (C++20
// heterogeneous lookup). For tables looked up once per event or message.
#ifndef HOSO_ENGINE_CORE_STRING_HASH_H_
#define HOSO_ENGINE_CORE_STRING_HASH_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hoso::core {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};

// An unordered map from strings, found by std::string_view.
template <typename Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_STRING_HASH_H_

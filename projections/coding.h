// Byte coding shared by every stored layout of projections/: big-endian
// fixed-width integers (so keys sort numerically), LEB128 varints, and
// length-prefixed strings (a varint length: nothing is ever cut). Reader
// checks every read and never trusts stored bytes: a short or malformed
// record sets failed() instead of reading out of bounds.
#ifndef HOSO_PROJECTIONS_CODING_H_
#define HOSO_PROJECTIONS_CODING_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "engine/core/status.h"

namespace hoso::projections {

inline constexpr uint64_t kSignFlip = uint64_t{1} << 63;

inline void PutU8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }
inline void PutU32(std::string* out, uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  out->append(b, 4);
}
inline void PutU64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (56 - 8 * i));
  out->append(b, 8);
}
// Signed, ordered as unsigned (sign bit flipped).
inline void PutI64(std::string* out, int64_t v) {
  PutU64(out, static_cast<uint64_t>(v) ^ kSignFlip);
}
inline void PutVarint(std::string* out, uint64_t v) {
  char b[10];
  int n = 0;
  while (v >= 0x80) {
    b[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  b[n++] = static_cast<char>(v);
  out->append(b, n);
}
// Zig-zag varint of a signed value (small magnitudes stay short).
inline void PutSignedVarint(std::string* out, int64_t v) {
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}
inline void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

// Writes into a buffer the caller sized for the layout's largest value (no
// growth checks per field: the hot encoders write a record in one pass and
// append it once).
class BufferWriter {
 public:
  explicit BufferWriter(char* at) : start_(at), at_(at) {}
  void U8(uint8_t v) { *at_++ = static_cast<char>(v); }
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      *at_++ = static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    *at_++ = static_cast<char>(v);
  }
  void SignedVarint(int64_t v) {
    Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  void Bytes(const void* data, size_t n) {
    std::memcpy(at_, data, n);
    at_ += n;
  }
  void String(std::string_view s) {
    Varint(s.size());
    Bytes(s.data(), s.size());
  }
  size_t size() const { return static_cast<size_t>(at_ - start_); }

  static constexpr size_t kMaxVarint = 10;

 private:
  char* start_;
  char* at_;
};

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool failed() const { return failed_; }
  bool done() const { return pos_ == data_.size(); }
  size_t position() const { return pos_; }
  uint8_t U8() { return Need(1) ? static_cast<uint8_t>(data_[pos_++]) : 0; }
  uint32_t U32() {
    if (!Need(4)) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(data_[pos_++]);
    return v;
  }
  uint64_t U64() {
    if (!Need(8)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(data_[pos_++]);
    return v;
  }
  int64_t I64() { return static_cast<int64_t>(U64() ^ kSignFlip); }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const uint8_t byte = U8();
      if (failed_) return 0;
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    failed_ = true;
    return 0;
  }
  int64_t SignedVarint() {
    const uint64_t v = Varint();
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }
  std::string_view Bytes(size_t n) {
    if (!Need(n)) return {};
    std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::string_view String() {
    const uint64_t n = Varint();
    if (failed_ || n > data_.size() - pos_) {
      failed_ = true;
      return {};
    }
    return Bytes(static_cast<size_t>(n));
  }
  std::string_view Rest() {
    std::string_view out = data_.substr(pos_);
    pos_ = data_.size();
    return out;
  }

 private:
  bool Need(size_t n) {
    if (failed_ || data_.size() - pos_ < n) {
      failed_ = true;
      return false;
    }
    return true;
  }
  std::string_view data_;
  size_t pos_ = 0;
  bool failed_ = false;
};

inline core::Status Corrupt(std::string_view what) {
  return core::Status::Corruption("stored " + std::string(what) + " record is malformed");
}

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_CODING_H_

#include "engine/runtime/dead_letter_payload.h"

#include "engine/runtime/chain_hash.h"

namespace hoso::runtime {

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    uint32_t code;
    if ((c & 0xE0) == 0xC0) {
      length = 2;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + length > n) return false;
    for (size_t k = 1; k < length; ++k) {
      const unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are invalid.
    if ((length == 2 && code < 0x80) || (length == 3 && code < 0x800) ||
        (length == 4 && code < 0x10000) || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                       (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (i < bytes.size()) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

DeadLetterPayload MakeDeadLetterPayload(const RawRecord& record, size_t max_bytes) {
  DeadLetterPayload payload;
  if (max_bytes == 0) max_bytes = 1;
  const bool cut_by_source = record.full_size >= 0;
  payload.size = cut_by_source ? record.full_size : static_cast<int64_t>(record.bytes.size());
  payload.kept = record.bytes.substr(0, max_bytes);
  payload.truncated = cut_by_source || record.bytes.size() > max_bytes;
  if (payload.truncated) {
    payload.sha256_hex = cut_by_source && !record.full_sha256_hex.empty()
                             ? std::string(record.full_sha256_hex)
                             : ToHex(ChainHash("", record.bytes));
  }
  payload.valid_utf8 = IsValidUtf8(payload.kept);
  if (payload.truncated && !payload.valid_utf8) {
    // A head cut inside a multi-byte character of otherwise valid text stays
    // text: drop the incomplete character (at most 3 bytes).
    for (size_t drop = 1; drop <= 3 && drop < payload.kept.size(); ++drop) {
      const std::string_view shorter = payload.kept.substr(0, payload.kept.size() - drop);
      if (IsValidUtf8(shorter)) {
        payload.kept = shorter;
        payload.valid_utf8 = true;
        break;
      }
    }
  }
  return payload;
}

}  // namespace hoso::runtime

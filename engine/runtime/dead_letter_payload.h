// DeadLetterPayload: what a dead-letter sink keeps of a rejected record so
// that the operator can recover the exact input (issue 8, defect 6).
//
//  - The original bytes, in full up to `max_bytes`; beyond it the first
//    `max_bytes` bytes, with the record's true size and the SHA-256 of all of
//    it (so a copy of the source can be found and checked).
//  - Whether those bytes are valid UTF-8: a sink that writes text (the JSONL
//    dead-letter file) writes them as a JSON string only then, and as base64
//    otherwise, never replacing a byte.
//
// Pure functions; thread-safe.
#ifndef HOSO_ENGINE_RUNTIME_DEAD_LETTER_PAYLOAD_H_
#define HOSO_ENGINE_RUNTIME_DEAD_LETTER_PAYLOAD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/runtime/engine.h"

namespace hoso::runtime {

struct DeadLetterPayload {
  std::string_view kept;    // the bytes kept: the whole record, or its head
  int64_t size = 0;         // the record's true size in bytes
  bool truncated = false;   // kept is only the first part of the record
  std::string sha256_hex;   // of the whole record; set when truncated
  bool valid_utf8 = false;  // kept is valid UTF-8 (and may be written as text)
};

// The payload of `record` under a limit of `max_bytes` kept bytes (>= 1).
// A record whose source already cut it (RawRecord::full_size) is truncated
// whatever the limit, with the size and digest the source computed.
DeadLetterPayload MakeDeadLetterPayload(const RawRecord& record, size_t max_bytes);

bool IsValidUtf8(std::string_view text);
std::string Base64(std::string_view bytes);

}  // namespace hoso::runtime

#endif  // HOSO_ENGINE_RUNTIME_DEAD_LETTER_PAYLOAD_H_

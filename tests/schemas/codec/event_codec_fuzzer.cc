// libFuzzer target for the event codec. Two properties per input:
//  1. as a record: any bytes decode or are rejected with a message, never
//     crash (ASan/UBSan watch), and an accepted event survives
//     EncodeEvent -> Decode unchanged, with a stable encoding;
//  2. as free text: when the bytes are valid UTF-8 of 1..1024 characters, a
//     valid event carrying them as its reason round-trips. Property 1 alone
//     rarely reaches odd characters inside strings, because simdjson (not
//     instrumented) does the unescaping; this feeds the encoder every byte
//     value directly.
// Built and run by tests/schemas/run_codec_fuzzer.sh (clang; the project
// itself builds with g++).
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/core/event.h"
#include "engine/core/rejection.h"
#include "schemas/codec/event_codec.h"
#include "tests/schemas/codec/event_equality.h"

namespace {

[[noreturn]] void Die(const char* what, std::string_view detail) {
  std::fprintf(stderr, "event_codec_fuzzer: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// Encodes `event`, decodes it again and aborts unless both agree.
void CheckRoundTrip(hoso::codec::EventDecoder* decoder, const hoso::core::Event& event) {
  const std::string encoded = hoso::codec::EncodeEvent(event);
  hoso::core::Event again;
  hoso::core::Rejection rejection;
  if (!decoder->Decode(encoded, &again, &rejection)) {
    Die("the encoding of a valid event is rejected", encoded + "\n  reason: " + rejection.message);
  }
  const std::string difference = hoso::codec::testing::FirstDifference(event, again);
  if (!difference.empty()) Die("round trip changed a field", difference + "\n  " + encoded);
  if (hoso::codec::EncodeEvent(again) != encoded) Die("encoding is not canonical", encoded);
}

size_t CodePoints(std::string_view utf8) {
  size_t count = 0;
  for (char c : utf8) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // One decoder for the whole run, as in production: buffer reuse across
  // records of different sizes is part of what is being tested.
  static hoso::codec::EventDecoder* const decoder = new hoso::codec::EventDecoder();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  hoso::core::Event event;
  hoso::core::Rejection rejection;
  if (decoder->Decode(bytes, &event, &rejection)) {
    CheckRoundTrip(decoder, event);
  } else if (rejection.message.empty()) {
    Die("rejection without a message", bytes);
  }

  const size_t chars = CodePoints(bytes);
  if (chars >= 1 && chars <= 1024 && simdjson::validate_utf8(bytes.data(), bytes.size())) {
    hoso::core::Event text_event;
    text_event.event_id = "e";
    text_event.dossier_id = "d";
    text_event.type = hoso::core::EventType::kRejected;
    text_event.agency_id = "a";
    text_event.reason.assign(bytes);
    CheckRoundTrip(decoder, text_event);
  }
  return 0;
}

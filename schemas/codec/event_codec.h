// EventCodec: bytes of one input record -> a validated core::Event, or a
// Rejection with a stable code (docs/events.md). The checks the codec owns run
// in this order: size (too_large), JSON (invalid_json), type (unknown_type),
// schema (schema). The engine runs the rest (unknown_procedure, duplicates,
// state machine).
//
// The rules are those of the JSON Schema files in schemas/ (envelope.schema.json
// and events/<type>.schema.json); tests/schemas checks that both agree.
//
// Thread-safety: an EventDecoder reuses parser buffers; use one per thread.
#ifndef HOSO_SCHEMAS_CODEC_EVENT_CODEC_H_
#define HOSO_SCHEMAS_CODEC_EVENT_CODEC_H_

#include <memory>
#include <string>
#include <string_view>

#include "engine/core/event.h"
#include "engine/core/rejection.h"

namespace hoso::codec {

class EventDecoder {
 public:
  EventDecoder();
  ~EventDecoder();
  EventDecoder(const EventDecoder&) = delete;
  EventDecoder& operator=(const EventDecoder&) = delete;

  // Returns true and fills *event when `bytes` is a valid event; otherwise
  // returns false and fills *rejection (code + a message naming the field).
  // Never throws, whatever the input.
  bool Decode(std::string_view bytes, core::Event* event, core::Rejection* rejection);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Canonical JSON of an event: the fields of its type only, in a fixed order,
// instants formatted as core::FormatLocal. Decode(EncodeEvent(e)) == e.
std::string EncodeEvent(const core::Event& event);

}  // namespace hoso::codec

#endif  // HOSO_SCHEMAS_CODEC_EVENT_CODEC_H_

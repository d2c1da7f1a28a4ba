// Field-by-field comparison of core::Event (which has no operator==), for the
// codec tests and the fuzzer's round-trip check.
#ifndef HOSO_TESTS_SCHEMAS_CODEC_EVENT_EQUALITY_H_
#define HOSO_TESTS_SCHEMAS_CODEC_EVENT_EQUALITY_H_

#include <string>

#include "engine/core/event.h"

namespace hoso::codec::testing {

// Empty when equal; otherwise the name of the first field that differs.
inline std::string FirstDifference(const core::Event& a, const core::Event& b) {
  if (a.event_id != b.event_id) return "event_id";
  if (a.dossier_id != b.dossier_id) return "dossier_id";
  if (a.type != b.type) return "type";
  if (a.occurred_at != b.occurred_at) return "occurred_at";
  if (a.agency_id != b.agency_id) return "agency_id";
  if (a.schema_version != b.schema_version) return "schema_version";
  if (a.procedure_id != b.procedure_id) return "procedure_id";
  if (a.channel != b.channel) return "channel";
  if (a.online_level != b.online_level) return "online_level";
  if (a.one_stop != b.one_stop) return "one_stop";
  if (a.due_at != b.due_at) return "due_at";
  if (a.processing != b.processing) return "processing";
  if (a.to_agency_id != b.to_agency_id) return "to_agency_id";
  if (a.reason != b.reason) return "reason";
  if (a.outcome != b.outcome) return "outcome";
  if (a.new_due_at != b.new_due_at) return "new_due_at";
  if (a.responsible_agency_id != b.responsible_agency_id) return "responsible_agency_id";
  if (a.held_on != b.held_on) return "held_on";
  if (a.topic != b.topic) return "topic";
  if (a.participants != b.participants) return "participants";
  if (a.minutes_ref != b.minutes_ref) return "minutes_ref";
  if (a.feedback_channel != b.feedback_channel) return "feedback_channel";
  if (a.feedback_outcome != b.feedback_outcome) return "feedback_outcome";
  if (a.rating != b.rating) return "rating";
  return "";
}

}  // namespace hoso::codec::testing

#endif  // HOSO_TESTS_SCHEMAS_CODEC_EVENT_EQUALITY_H_

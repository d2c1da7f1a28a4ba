// Log surgery for tamper-evidence tests: reads a store's event log into
// plain values, and writes an edited segment back in the engine's own
// layout (projections/event_log.h), as an attacker with write access to the
// database would.
#ifndef HOSO_TESTS_TESTING_LOG_SURGERY_H_
#define HOSO_TESTS_TESTING_LOG_SURGERY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "projections/event_log.h"
#include "projections/kv_store.h"

namespace hoso::testing {

// One log entry with its own copies of the bytes.
struct OwnedEntry {
  bool derived = false;
  int32_t partition = 0;
  int64_t offset = 0;
  uint32_t dossier_sequence = 0;
  std::string chain_hash;
  std::string dossier_id;
  std::string bytes;
  uint64_t event_id_fingerprint = 0;  // from the segment's index
  bool operator==(const OwnedEntry&) const = default;
};

struct StoredSegment {
  std::string key;
  uint64_t batch_serial = 0;
  uint64_t first_sequence = 0;
  std::vector<OwnedEntry> entries;
};

// Every segment of the log, in order. Fails the calling test on damage.
std::vector<StoredSegment> ReadSegments(projections::KvStore& store);

// Replaces the segment stored under `segment.key` (value and index) with
// `segment`'s entries, compressed as the engine stores them.
void WriteSegment(projections::KvStore& store, const StoredSegment& segment);

}  // namespace hoso::testing

#endif  // HOSO_TESTS_TESTING_LOG_SURGERY_H_

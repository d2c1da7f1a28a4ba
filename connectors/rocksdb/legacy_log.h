// LegacyLog: reads the event log of a database written by the previous
// storage layout (projection versions 1 and 2: one `events` key per event,
// keyed by dossier), so that `hoso replay --db OLD --into NEW` rebuilds it in
// the current layout. Read-only; nothing in the old database is changed.
//
// The old layout's `events` family is ordered by dossier, not by
// application; its values carry the global sequence. The reader collects
// (sequence, key) pairs (tens of bytes per event), sorts them and reads the
// values in the order they were applied.
#ifndef HOSO_CONNECTORS_ROCKSDB_LEGACY_LOG_H_
#define HOSO_CONNECTORS_ROCKSDB_LEGACY_LOG_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "engine/core/status.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace hoso::connectors {

struct LegacyEvent {
  uint64_t global_sequence = 0;
  bool derived = false;
  int32_t partition = 0;
  int64_t offset = -1;
  std::string_view bytes;  // valid during the visit
};

class LegacyLog {
 public:
  // Opens `path` read-only when it holds the previous layout (an `events`
  // family and a projection tag "hoso-projections/1" or "/2"); NotFound when
  // it does not.
  static core::Result<std::unique_ptr<LegacyLog>> Open(const std::string& path);
  ~LegacyLog();

  std::string_view projection_tag() const { return tag_; }
  uint64_t events() const { return events_; }
  // The input positions the old database had reached: meta key ("position/"
  // + source id) -> position text, to carry over to the rebuilt database.
  const std::map<std::string, std::string>& positions() const { return positions_; }

  // Every logged event in the order it was applied. Corruption when a value
  // does not decode or the sequence has a gap.
  core::Status ForEach(const std::function<core::Status(const LegacyEvent&)>& visit);

 private:
  LegacyLog() = default;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* events_family_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::string tag_;
  uint64_t events_ = 0;
  std::map<std::string, std::string> positions_;
};

}  // namespace hoso::connectors

#endif  // HOSO_CONNECTORS_ROCKSDB_LEGACY_LOG_H_

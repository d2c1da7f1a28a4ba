// The event log's stored layout (docs/storage.md "Column families"): every applied
// and derived event, in the order of application, with its SHA-256 chain
// link. One value per committed batch (a *segment*), so the log costs one
// key per batch, not one per event.
//
//   log        key [u64 BE first sequence][u64 BE batch serial]
//              value: u8 format (4), u64 batch serial, u64 first sequence,
//              u32 count, u32 size of the entries, then the entries
//              compressed as one LZ4 block; the entries, per event: u8 flags
//              (bit 0: derived), zigzag partition, zigzag offset, varint
//              dossier sequence, 32-byte chain hash, string dossier_id,
//              string bytes. (Format 3 is the same uncompressed, without the
//              size: what the builder holds in memory.) Event JSON compresses
//              about 7x, so the log's bytes cross the write-ahead log, the
//              memtable and the table files once, small.
//   log_index  the same key; value: u32 count, then per event the 64-bit
//              fingerprints of its event_id and dossier_id (FNV-1a)
//
// An event's *sequence* is its position in the whole log (1-based), its
// *dossier sequence* its position in its dossier's chain (0-based). The index
// is read at start to rebuild the event-id dedup table, and by `history` to
// find a dossier's events without reading the segments that do not hold any.
#ifndef HOSO_PROJECTIONS_EVENT_LOG_H_
#define HOSO_PROJECTIONS_EVENT_LOG_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/status.h"
#include "projections/kv_store.h"

namespace hoso::projections {

// 64-bit FNV-1a: the fingerprint of an id in the dedup tables and the index.
inline uint64_t Fingerprint(std::string_view id) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : id) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

struct LogEntry {
  uint64_t sequence = 0;  // position in the whole log, from 1
  bool derived = false;   // made by the engine (an `overdue` at due_at)
  int32_t partition = 0;  // input partition (-1 for derived events)
  int64_t offset = -1;    // input offset (byte offset for files); -1 for derived
  uint32_t dossier_sequence = 0;
  std::string_view chain_hash;  // 32 bytes: SHA-256(previous link of the dossier || bytes)
  std::string_view dossier_id;
  std::string_view bytes;  // the event exactly as received (or as encoded, if derived)
};

std::string LogKey(uint64_t first_sequence, uint64_t batch_serial);

// Builds one batch's segment and index in place (the values are final as
// they grow: no copy when the batch is sealed).
class SegmentBuilder {
 public:
  void Reset(uint64_t batch_serial, uint64_t first_sequence);
  void Add(const LogEntry& entry, uint64_t event_id_fingerprint);
  size_t count() const { return count_; }
  uint64_t first_sequence() const { return first_sequence_; }
  // The bytes of an event added since Reset; false when `sequence` is not one.
  bool BytesOf(uint64_t sequence, std::string_view* bytes) const;
  std::string Key() const { return LogKey(first_sequence_, serial_); }
  // The encoded values, valid until the next Reset or Take.
  std::string_view Segment() const { return segment_; }
  std::string_view Index() const { return index_; }
  // Moves the segment value out and continues in `spare` (a buffer of a
  // segment no longer needed, so steady state allocates nothing).
  std::string TakeSegment(std::string spare);

 private:
  uint64_t serial_ = 0;
  uint64_t first_sequence_ = 0;
  uint32_t count_ = 0;
  std::string segment_;
  std::vector<uint32_t> entry_offsets_;
  std::string index_;
};

// The stored (compressed) form of an uncompressed segment value.
std::string CompressSegment(std::string_view segment);
// The same written into *buffer (grown as needed, never shrunk), for a writer
// that compresses one segment after another; valid until the buffer changes.
std::string_view CompressSegment(std::string_view segment, std::string* buffer);
// Whether `stored`, a compressed stored segment, is the stored form of the
// uncompressed `segment`: the same header and, decompressed into *scratch
// (grown as needed), the same entries. A replay stores the source's value
// when it is, instead of compressing again: it reads back the same.
// `stored_entries`, when given, are the entries `stored` decompresses to
// (SegmentReader::shared_entries of a reader opened on it): they are
// compared instead of decompressing `stored` again.
bool StoresSegment(std::string_view stored, std::string_view segment, std::string* scratch,
                   std::string_view stored_entries = {});

// Reads one segment value, compressed or not. Not copyable (it may own the
// decompressed entries); movable.
class SegmentReader {
 public:
  // Corruption when the header does not parse or the entries do not
  // decompress. The value must outlive the reader when it is uncompressed.
  static core::Result<SegmentReader> Open(std::string_view value);
  // The same for a reader that wants only the first `entries` entries and
  // knows it from the index (`history` wants a few entries of segments of
  // thousands): a compressed segment is decompressed only as far as they
  // reach, and its reader ends after them. An uncompressed segment is read
  // whole.
  static core::Result<SegmentReader> OpenPrefix(std::string_view value, uint64_t entries);
  uint64_t batch_serial() const { return serial_; }
  uint64_t first_sequence() const { return first_sequence_; }
  uint64_t count() const { return count_; }
  // The next entry; false at the end or (with *status set) when malformed.
  bool Next(LogEntry* entry, core::Status* status);
  // A compressed segment opened whole (Open): all its entries decompressed,
  // shared so that they can outlive the reader (a replay's writer thread
  // compares them with the segment it rebuilt, StoresSegment). Null for an
  // uncompressed segment and a prefix. Holding them keeps their buffer from
  // the next reader of this thread until they are released.
  std::shared_ptr<const char[]> shared_entries() const {
    return whole_size_ > 0 ? decompressed_ : nullptr;
  }
  size_t shared_entries_size() const { return whole_size_; }

 private:
  std::string_view rest_;
  // The decompressed entries (a compressed segment); shared by copies.
  std::shared_ptr<char[]> decompressed_;
  size_t whole_size_ = 0;  // of decompressed_, when it holds every entry
  uint64_t serial_ = 0;
  uint64_t first_sequence_ = 0;
  uint64_t count_ = 0;
  uint64_t read_ = 0;
};

struct IndexEntry {
  uint64_t event_id_fingerprint = 0;
  uint64_t dossier_fingerprint = 0;
};
// Decodes an index value into `entries` (cleared first).
core::Status DecodeLogIndex(std::string_view value, std::vector<IndexEntry>* entries);
// The first sequence and batch serial of a log or index key.
core::Result<std::pair<uint64_t, uint64_t>> DecodeLogKey(std::string_view key);

// Reading the log of a store (queries, verify, replay, recovery).
class LogReader {
 public:
  explicit LogReader(KvStore* store) : store_(store) {}
  // Calls `visit` for every entry with sequence >= `from`, in order. A
  // malformed segment is Corruption naming its key.
  core::Status ForEach(uint64_t from, const std::function<core::Status(const LogEntry&)>& visit);
  // The sequences of a dossier's events among [first, last] (last 0: to the
  // end of the log), from the index: only segments whose index names the
  // dossier's fingerprint are read, and their entries are matched by id.
  // With `last` and `count` known (a finished dossier's record: `first` and
  // `last` are its first and last events, `count` its number of events), the
  // index is read only until every event before `last` was found, and then
  // from the segment holding `last`.
  core::Status DossierEvents(std::string_view dossier_id, uint64_t first, uint64_t last,
                             uint64_t count,
                             const std::function<core::Status(const LogEntry&)>& visit);

 private:
  KvStore* store_;
};

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_EVENT_LOG_H_

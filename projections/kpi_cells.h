// The KPI projection (docs/kpis.md; docs/storage.md "Column families"): counters
// per (local month, receiving agency, procedure, input partition), kept in
// memory by the engine and made durable in amortized writes: each batch
// writes the absolute values of the cells it changed in its delta
// (batch_delta.h); each checkpoint writes the cells changed since the
// previous one into the `kpi` family. Partitions stay separate in storage so
// that instances sharing a topic publish partials that sum (docs/kafka.md).
//
//   kpi  key [u32 BE yyyymm][string agency][string procedure][u32 BE partition + 2^31]
//        value u8 29, then 29 x i64 (the counters of core::KpiField); stores
//        written before issue 13 hold u8 16 and 16 counters (dialogues_held 0),
//        before its feedback u8 17 and 17 counters (the feedback_* ones 0)
#ifndef HOSO_PROJECTIONS_KPI_CELLS_H_
#define HOSO_PROJECTIONS_KPI_CELLS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/core/id_table.h"
#include "engine/core/kpi_counters.h"
#include "engine/core/status.h"
#include "projections/batch_delta.h"
#include "projections/kv_store.h"

namespace hoso::projections {

// A cell named by its ids, for queries and the KPI change stream.
struct KpiKey {
  int month_key = 0;
  std::string agency_id;
  std::string procedure_id;
  int32_t partition = 0;
  auto operator<=>(const KpiKey&) const = default;
};
std::string EncodeKpiKey(const KpiKey& key);
// EncodeKpiKey of the parts, appended to *out.
void AppendKpiKey(std::string* out, int month_key, std::string_view agency_id,
                  std::string_view procedure_id, int32_t partition);
core::Result<KpiKey> DecodeKpiKey(std::string_view key);
std::string EncodeKpiCounters(const core::KpiCounters& counters);
// EncodeKpiCounters, appended to *out.
void AppendKpiCounters(std::string* out, const core::KpiCounters& counters);
core::Result<core::KpiCounters> DecodeKpiCounters(std::string_view value);

// A cell summed over partitions (KpiKey partition 0), its names as views.
struct SummedKpiCell {
  int month_key = 0;
  std::string_view agency_id;
  std::string_view procedure_id;
  core::KpiCounters counters;
};

// Every cell of a store as of its last committed batch: the checkpointed
// cells with every later delta folded in.
core::Result<std::map<KpiKey, core::KpiCounters>> LoadKpiCells(KvStore& store);

// LoadKpiCells in two steps, for a reader that folds the deltas once for
// several projections (one ForEachDelta): the checkpointed cells into
// *cells, then `visitor->kpi` set to fold a delta's cells into them (a later
// value replaces an earlier one; a key that does not decode sets *bad).
core::Status LoadCheckpointKpiCells(KvStore& store, std::map<KpiKey, core::KpiCounters>* cells);
void SetKpiDeltaVisitor(std::map<KpiKey, core::KpiCounters>* cells, core::Status* bad,
                        DeltaVisitor* visitor);

// The ids of KPI cells' agency and procedure, named once and shared by every
// cell and change that has them. Immutable once made: any thread may read one
// it was handed.
struct KpiCellNames {
  std::string agency_id;
  std::string procedure_id;
};

// A cell's new absolute value as a commit hands it to its sinks: named
// without copying the ids, so a batch's thousands of changes cost no
// allocation on the engine thread (nor a free where the sinks drop them).
struct KpiChange {
  int month_key = 0;
  int32_t partition = 0;
  std::shared_ptr<const KpiCellNames> names;
  core::KpiCounters counters;
  // The cell's key, with copies of the ids.
  KpiKey key() const { return KpiKey{month_key, names->agency_id, names->procedure_id, partition}; }
};
// A change of the cell `key` with names of its own (for paths that start
// from a KpiKey: a catch-up, tests).
KpiChange MakeKpiChange(const KpiKey& key, const core::KpiCounters& counters);

// The engine's in-memory cells, keyed by IdTable handles. Not thread-safe.
class KpiCells {
 public:
  explicit KpiCells(const core::IdTable* ids) : ids_(ids) {}
  // A copy's last_cell_ would point into the original's cells.
  KpiCells(const KpiCells&) = delete;
  KpiCells& operator=(const KpiCells&) = delete;
  void Add(int month_key, uint32_t agency, uint32_t procedure, int32_t partition,
           core::KpiField field);
  // Adds the cells changed since the last call to `delta` (absolute values)
  // and to `changed` (may be null), and forgets them.
  void TakeBatchChanges(BatchDeltaWriter* delta, std::vector<KpiChange>* changed);
  // Puts the cells changed since the last checkpoint into `batch`, and
  // forgets them.
  void WriteCheckpoint(KvBatch* batch);
  // Loads a store's cells (LoadKpiCells); cells changed by deltas since the
  // checkpoint are marked for the next checkpoint. Names are interned in `ids`.
  core::Status Load(KvStore& store, core::IdTable* ids);
  // Every cell by name.
  std::map<KpiKey, core::KpiCounters> Snapshot() const;
  // The cells of months from `first_month_key` (yyyymm) on, summed over
  // partitions, in KpiKey order (partition 0 throughout): the month-end
  // figures, once a month of events. Names are views into the id table
  // (valid while no name is added); no allocation per cell.
  std::vector<SummedKpiCell> SummedOverPartitions(int first_month_key) const;
  // Every cell of the partitions in `partitions` (ascending).
  std::vector<KpiChange> CellsOfPartitions(const std::vector<int32_t>& partitions);
  // `field` summed per agency over the months first..last (yyyymm,
  // inclusive), every procedure and partition: indexed by the agency's
  // IdTable handle (0 for a handle no cell of those months holds). Visits
  // every cell: for rare checks (a dialogue deadline), not per event.
  std::vector<int64_t> SumByAgency(int first_month_key, int last_month_key,
                                   core::KpiField field) const;
  size_t size() const { return cell_count_; }

 private:
  struct Key {
    int32_t month_key;
    uint32_t agency;
    uint32_t procedure;
    int32_t partition;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      uint64_t h = static_cast<uint32_t>(k.month_key);
      h = h * 0x9E3779B97F4A7C15ull ^ k.agency;
      h = h * 0x9E3779B97F4A7C15ull ^ k.procedure;
      h = h * 0x9E3779B97F4A7C15ull ^ static_cast<uint32_t>(k.partition);
      // A final mix (MurmurHash3's fmix64): slots_ takes the low bits, and
      // without it a cell's 128 partitions fill one run of 128 slots.
      h ^= h >> 33;
      h *= 0xFF51AFD7ED558CCDull;
      h ^= h >> 33;
      return static_cast<size_t>(h);
    }
  };
  struct Cell {
    core::KpiCounters counters;
    bool dirty_batch = false;
    bool dirty_checkpoint = false;
    // Its agency's and procedure's names (names_), once it was named.
    const std::shared_ptr<const KpiCellNames>* names = nullptr;
  };
  KpiKey Name(const Key& key) const;
  // The shared names of a cell's agency and procedure, made on first use.
  const std::shared_ptr<const KpiCellNames>& NamesOf(const Key& key, Cell* cell);
  KpiChange ChangeOf(const Key& key, Cell* cell);
  // EncodeKpiKey of the cell, into key_scratch_ (reused: no allocation).
  std::string_view EncodedKey(const Key& key, Cell* cell);

  // The cell of `key`, added (zero) when new.
  Cell& FindOrAdd(const Key& key);

  const core::IdTable* ids_;
  // Every cell, in the order added, in chunks that never move: Cell
  // pointers stay valid (last_cell_, the dirty lists, slots_), and no cell
  // is ever erased. (A std::deque allocated a 512-byte block per 264-byte
  // cell.)
  using Entry = std::pair<Key, Cell>;
  static constexpr size_t kCellsPerChunk = 1024;
  std::vector<std::unique_ptr<Entry[]>> chunks_;
  size_t cell_count_ = 0;
  // Calls visit(key, cell) for every cell, in the order added.
  template <typename Visit>
  void ForEachCell(Visit&& visit) const {
    for (size_t i = 0; i < cell_count_; ++i) {
      const Entry& entry = chunks_[i / kCellsPerChunk][i % kCellsPerChunk];
      visit(entry.first, entry.second);
    }
  }
  template <typename Visit>
  void ForEachCell(Visit&& visit) {
    for (size_t i = 0; i < cell_count_; ++i) {
      Entry& entry = chunks_[i / kCellsPerChunk][i % kCellsPerChunk];
      visit(entry.first, entry.second);
    }
  }
  // The index of the cells: open addressing with linear probing, at most 5/8
  // full, a power of two in size. A lookup reads one 24-byte slot where a
  // node-based map read a bucket, the node before and the node: with 128
  // partitions' cells (over a hundred thousand) each was a cache miss, and the
  // lookup was 8 % of the Kafka loop's thread.
  struct Slot {
    Key key{};
    Cell* cell = nullptr;  // null: empty
  };
  std::vector<Slot> slots_;
  Key last_key_{};
  Cell* last_cell_ = nullptr;  // the cell of last_key_, once Add ran
  std::vector<std::pair<Key, Cell*>> batch_dirty_;
  std::vector<std::pair<Key, Cell*>> checkpoint_dirty_;
  // By (agency << 32 | procedure); never erased from (Cell::names).
  std::unordered_map<uint64_t, std::shared_ptr<const KpiCellNames>> names_;
  std::string key_scratch_;
  std::string value_scratch_;
};

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_KPI_CELLS_H_

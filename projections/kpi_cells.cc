#include "projections/kpi_cells.h"

#include <algorithm>
#include <functional>
#include <tuple>
#include <unordered_map>

#include "projections/coding.h"

namespace hoso::projections {
namespace {

constexpr uint32_t kPartitionBias = uint32_t{1} << 31;

}  // namespace

void AppendKpiKey(std::string* out, int month_key, std::string_view agency_id,
                  std::string_view procedure_id, int32_t partition) {
  PutU32(out, static_cast<uint32_t>(month_key));
  PutString(out, agency_id);
  PutString(out, procedure_id);
  PutU32(out, static_cast<uint32_t>(partition) + kPartitionBias);
}

KpiChange MakeKpiChange(const KpiKey& key, const core::KpiCounters& counters) {
  return KpiChange{
      key.month_key, key.partition,
      std::make_shared<const KpiCellNames>(KpiCellNames{key.agency_id, key.procedure_id}),
      counters};
}

std::string EncodeKpiKey(const KpiKey& key) {
  std::string out;
  AppendKpiKey(&out, key.month_key, key.agency_id, key.procedure_id, key.partition);
  return out;
}

core::Result<KpiKey> DecodeKpiKey(std::string_view data) {
  Reader r(data);
  KpiKey key;
  key.month_key = static_cast<int>(r.U32());
  key.agency_id = r.String();
  key.procedure_id = r.String();
  key.partition = static_cast<int32_t>(r.U32() - kPartitionBias);
  if (r.failed() || !r.done()) return Corrupt("kpi key");
  return key;
}

void AppendKpiCounters(std::string* out, const core::KpiCounters& counters) {
  PutU8(out, core::kKpiFieldCount);
  for (int64_t v : counters.values) PutI64(out, v);
}

std::string EncodeKpiCounters(const core::KpiCounters& counters) {
  std::string out;
  AppendKpiCounters(&out, counters);
  return out;
}

core::Result<core::KpiCounters> DecodeKpiCounters(std::string_view value) {
  Reader r(value);
  core::KpiCounters counters;
  // A store written before dialogues (issue 13) holds 16 counters, one
  // written before feedback 17: the missing ones are zero, so no replay is
  // needed after the upgrade.
  const int count = r.U8();
  if (count != core::kKpiFieldCount && count != core::kKpiFieldCountBeforeDialogues &&
      count != core::kKpiFieldCountBeforeFeedback) {
    return Corrupt("kpi counters (field count)");
  }
  for (int i = 0; i < count; ++i) counters.values[i] = r.I64();
  if (r.failed() || !r.done()) return Corrupt("kpi counters");
  return counters;
}

namespace {

using StoredCellVisit =
    std::function<void(KpiKey&& key, const core::KpiCounters&, bool from_delta)>;

core::Status ForEachCheckpointCell(KvStore& store, const StoredCellVisit& visit) {
  auto it = store.NewIterator(Column::kKpi);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto key = DecodeKpiKey(it->key());
    if (!key.ok()) return key.status();
    auto counters = DecodeKpiCounters(it->value());
    if (!counters.ok()) return counters.status();
    visit(std::move(*key), *counters, /*from_delta=*/false);
  }
  return it->status();
}

void SetDeltaCellVisit(const StoredCellVisit& visit, core::Status* bad, DeltaVisitor* visitor) {
  visitor->kpi = [visit, bad](std::string_view encoded, const core::KpiCounters& counters) {
    auto key = DecodeKpiKey(encoded);
    if (!key.ok()) {
      if (bad->ok()) *bad = key.status();
      return;
    }
    visit(std::move(*key), counters, /*from_delta=*/true);
  };
}

// A visit that keeps the latest value of each cell in *cells.
StoredCellVisit AssignInto(std::map<KpiKey, core::KpiCounters>* cells) {
  return [cells](KpiKey&& key, const core::KpiCounters& counters, bool /*from_delta*/) {
    (*cells)[std::move(key)] = counters;
  };
}

// Calls visit(key, counters, from_delta) for every cell of the last
// checkpoint, then for every cell a later batch delta changed, in order (a
// later value replaces an earlier one): the fold both LoadKpiCells and
// KpiCells::Load read a store with.
core::Status ForEachStoredCell(KvStore& store, const StoredCellVisit& visit) {
  HOSO_RETURN_IF_ERROR(ForEachCheckpointCell(store, visit));
  core::Status bad;
  DeltaVisitor visitor;
  SetDeltaCellVisit(visit, &bad, &visitor);
  HOSO_RETURN_IF_ERROR(ForEachDelta(store, visitor));
  return bad;
}

}  // namespace

core::Result<std::map<KpiKey, core::KpiCounters>> LoadKpiCells(KvStore& store) {
  std::map<KpiKey, core::KpiCounters> cells;
  HOSO_RETURN_IF_ERROR(LoadCheckpointKpiCells(store, &cells));
  core::Status bad;
  DeltaVisitor visitor;
  SetKpiDeltaVisitor(&cells, &bad, &visitor);
  HOSO_RETURN_IF_ERROR(ForEachDelta(store, visitor));
  HOSO_RETURN_IF_ERROR(bad);
  return cells;
}

core::Status LoadCheckpointKpiCells(KvStore& store, std::map<KpiKey, core::KpiCounters>* cells) {
  return ForEachCheckpointCell(store, AssignInto(cells));
}

void SetKpiDeltaVisitor(std::map<KpiKey, core::KpiCounters>* cells, core::Status* bad,
                        DeltaVisitor* visitor) {
  SetDeltaCellVisit(AssignInto(cells), bad, visitor);
}

void KpiCells::Add(int month_key, uint32_t agency, uint32_t procedure, int32_t partition,
                   core::KpiField field) {
  const Key key{month_key, agency, procedure, partition};
  // An event's increments mostly share one cell (a receipt adds 3-4 fields
  // of its month): one lookup for the run of them. Cells never move (their
  // chunks do not) and none is ever erased.
  if (last_cell_ == nullptr || !(last_key_ == key)) {
    last_cell_ = &FindOrAdd(key);
    last_key_ = key;
  }
  Cell& cell = *last_cell_;
  ++cell.counters[field];
  if (!cell.dirty_batch) {
    cell.dirty_batch = true;
    batch_dirty_.emplace_back(key, &cell);
  }
  if (!cell.dirty_checkpoint) {
    cell.dirty_checkpoint = true;
    checkpoint_dirty_.emplace_back(key, &cell);
  }
}

KpiCells::Cell& KpiCells::FindOrAdd(const Key& key) {
  if ((cell_count_ + 1) * 8 > slots_.size() * 5) {
    std::vector<Slot> grown(std::max<size_t>(1024, slots_.size() * 2));
    const size_t mask = grown.size() - 1;
    for (const Slot& slot : slots_) {
      if (slot.cell == nullptr) continue;
      size_t i = KeyHash{}(slot.key) & mask;
      while (grown[i].cell != nullptr) i = (i + 1) & mask;
      grown[i] = slot;
    }
    slots_ = std::move(grown);
  }
  const size_t mask = slots_.size() - 1;
  for (size_t i = KeyHash{}(key)&mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.cell == nullptr) {
      if (cell_count_ % kCellsPerChunk == 0) {
        chunks_.push_back(std::make_unique<Entry[]>(kCellsPerChunk));
      }
      Entry& entry = chunks_.back()[cell_count_ % kCellsPerChunk];
      ++cell_count_;
      entry.first = key;
      slot.key = key;
      slot.cell = &entry.second;
      return *slot.cell;
    }
    if (slot.key == key) return *slot.cell;
  }
}

KpiKey KpiCells::Name(const Key& key) const {
  return KpiKey{key.month_key, std::string(ids_->Name(key.agency)),
                std::string(ids_->Name(key.procedure)), key.partition};
}

const std::shared_ptr<const KpiCellNames>& KpiCells::NamesOf(const Key& key, Cell* cell) {
  if (cell->names == nullptr) {
    const uint64_t pair = (uint64_t{key.agency} << 32) | key.procedure;
    auto [it, added] = names_.try_emplace(pair);
    if (added) {
      it->second = std::make_shared<const KpiCellNames>(KpiCellNames{
          std::string(ids_->Name(key.agency)), std::string(ids_->Name(key.procedure))});
    }
    cell->names = &it->second;
  }
  return *cell->names;
}

KpiChange KpiCells::ChangeOf(const Key& key, Cell* cell) {
  return KpiChange{key.month_key, key.partition, NamesOf(key, cell), cell->counters};
}

std::string_view KpiCells::EncodedKey(const Key& key, Cell* cell) {
  const KpiCellNames& names = *NamesOf(key, cell);
  key_scratch_.clear();
  AppendKpiKey(&key_scratch_, key.month_key, names.agency_id, names.procedure_id, key.partition);
  return key_scratch_;
}

void KpiCells::TakeBatchChanges(BatchDeltaWriter* delta, std::vector<KpiChange>* changed) {
  if (changed != nullptr) changed->reserve(changed->size() + batch_dirty_.size());
  for (auto& [key, cell] : batch_dirty_) {
    if (delta != nullptr) delta->AddKpi(EncodedKey(key, cell), cell->counters);
    if (changed != nullptr) changed->push_back(ChangeOf(key, cell));
    cell->dirty_batch = false;
  }
  batch_dirty_.clear();
}

void KpiCells::WriteCheckpoint(KvBatch* batch) {
  for (auto& [key, cell] : checkpoint_dirty_) {
    value_scratch_.clear();
    AppendKpiCounters(&value_scratch_, cell->counters);
    batch->Put(Column::kKpi, EncodedKey(key, cell), value_scratch_);
    cell->dirty_checkpoint = false;
  }
  checkpoint_dirty_.clear();
}

core::Status KpiCells::Load(KvStore& store, core::IdTable* ids) {
  return ForEachStoredCell(store,
                           [&](KpiKey&& key, const core::KpiCounters& counters, bool from_delta) {
                             const Key k{key.month_key, ids->Intern(key.agency_id),
                                         ids->Intern(key.procedure_id), key.partition};
                             Cell& cell = FindOrAdd(k);
                             cell.counters = counters;
                             // A cell changed after the checkpoint goes into the next one.
                             if (from_delta && !cell.dirty_checkpoint) {
                               cell.dirty_checkpoint = true;
                               checkpoint_dirty_.emplace_back(k, &cell);
                             }
                           });
}

std::map<KpiKey, core::KpiCounters> KpiCells::Snapshot() const {
  std::map<KpiKey, core::KpiCounters> out;
  ForEachCell([&](const Key& key, const Cell& cell) { out[Name(key)] = cell.counters; });
  return out;
}

std::vector<SummedKpiCell> KpiCells::SummedOverPartitions(int first_month_key) const {
  // Sorted, then neighbours summed: a map of the sums cost a node and two
  // name copies per cell (a sixth of an ingest's allocations, twelve month
  // ends a year).
  std::vector<SummedKpiCell> cells;
  ForEachCell([&](const Key& key, const Cell& cell) {
    if (key.month_key < first_month_key) return;
    cells.push_back(
        {key.month_key, ids_->Name(key.agency), ids_->Name(key.procedure), cell.counters});
  });
  auto before = [](const SummedKpiCell& a, const SummedKpiCell& b) {
    return std::tie(a.month_key, a.agency_id, a.procedure_id) <
           std::tie(b.month_key, b.agency_id, b.procedure_id);
  };
  std::sort(cells.begin(), cells.end(), before);
  size_t kept = 0;
  for (const SummedKpiCell& cell : cells) {
    if (kept > 0 && !before(cells[kept - 1], cell)) {
      cells[kept - 1].counters += cell.counters;  // the same cell, another partition
    } else {
      cells[kept++] = cell;
    }
  }
  cells.resize(kept);
  return cells;
}

std::vector<KpiChange> KpiCells::CellsOfPartitions(const std::vector<int32_t>& partitions) {
  std::vector<KpiChange> out;
  ForEachCell([&](const Key& key, Cell& cell) {
    if (std::binary_search(partitions.begin(), partitions.end(), key.partition)) {
      out.push_back(ChangeOf(key, &cell));
    }
  });
  return out;
}

std::vector<int64_t> KpiCells::SumByAgency(int first_month_key, int last_month_key,
                                           core::KpiField field) const {
  std::vector<int64_t> sums(ids_->size(), 0);
  ForEachCell([&](const Key& key, const Cell& cell) {
    if (key.month_key < first_month_key || key.month_key > last_month_key) return;
    if (key.agency >= sums.size()) sums.resize(key.agency + 1, 0);
    sums[key.agency] += cell.counters[field];
  });
  return sums;
}

}  // namespace hoso::projections

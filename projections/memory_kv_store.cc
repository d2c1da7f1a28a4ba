#include "projections/memory_kv_store.h"

#include <array>
#include <iterator>
#include <optional>
#include <vector>

namespace hoso::projections {
namespace {

struct Mutation {
  Column column;
  std::string key;
  std::optional<std::string> value;      // nullopt: delete
  std::optional<std::string> range_end;  // set: delete [key, range_end)
};

class MemoryBatch final : public KvBatch {
 public:
  void Put(Column column, std::string_view key, std::string_view value) override {
    mutations_.push_back({column, std::string(key), std::string(value), std::nullopt});
  }
  void Delete(Column column, std::string_view key) override {
    mutations_.push_back({column, std::string(key), std::nullopt, std::nullopt});
  }
  void DeleteRange(Column column, std::string_view begin, std::string_view end) override {
    mutations_.push_back({column, std::string(begin), std::nullopt, std::string(end)});
  }
  size_t Count() const override { return mutations_.size(); }
  std::vector<Mutation>& mutations() { return mutations_; }

 private:
  std::vector<Mutation> mutations_;
};

// Iterates a copy, so later writes do not disturb it (snapshot semantics).
class MemoryIterator final : public KvIterator {
 public:
  explicit MemoryIterator(MemoryKvStore::Table snapshot) : table_(std::move(snapshot)) {
    it_ = table_.end();
  }
  void SeekToFirst() override { it_ = table_.begin(); }
  void Seek(std::string_view target) override { it_ = table_.lower_bound(target); }
  void SeekForPrev(std::string_view target) override {
    it_ = table_.upper_bound(target);
    it_ = it_ == table_.begin() ? table_.end() : std::prev(it_);
  }
  bool Valid() const override { return it_ != table_.end(); }
  void Next() override { ++it_; }
  std::string_view key() const override { return it_->first; }
  std::string_view value() const override { return it_->second; }
  core::Status status() const override { return core::Status::Ok(); }

 private:
  MemoryKvStore::Table table_;
  MemoryKvStore::Table::const_iterator it_;
};

}  // namespace

std::string_view ColumnName(Column column) {
  static constexpr std::array<std::string_view, kColumnCount> kNames = {
      "log", "log_index", "open_dossiers", "dossiers", "kpi", "deltas", "alerts", "meta"};
  return kNames[static_cast<int>(column)];
}

core::Status MemoryKvStore::Get(Column column, std::string_view key, std::string* value) {
  const Table& table = tables_[static_cast<int>(column)];
  auto it = table.find(key);
  if (it == table.end()) return core::Status::NotFound(std::string(key));
  *value = it->second;
  return core::Status::Ok();
}

std::unique_ptr<KvBatch> MemoryKvStore::NewBatch(size_t) { return std::make_unique<MemoryBatch>(); }

core::Status MemoryKvStore::Write(KvBatch& batch) {
  ++writes_;
  for (Mutation& m : static_cast<MemoryBatch&>(batch).mutations()) {
    Table& table = tables_[static_cast<int>(m.column)];
    if (m.range_end) {
      table.erase(table.lower_bound(m.key), table.lower_bound(*m.range_end));
    } else if (m.value) {
      table.insert_or_assign(std::move(m.key), std::move(*m.value));
    } else {
      auto it = table.find(m.key);
      if (it != table.end()) table.erase(it);
    }
  }
  return core::Status::Ok();
}

std::unique_ptr<KvIterator> MemoryKvStore::NewIterator(Column column) {
  return std::make_unique<MemoryIterator>(tables_[static_cast<int>(column)]);
}

}  // namespace hoso::projections

#include "projections/memory_kv_store.h"

#include <array>
#include <optional>
#include <vector>

namespace hoso::projections {
namespace {

struct Mutation {
  Column column;
  std::string key;
  std::optional<std::string> value;  // nullopt: delete
};

class MemoryBatch final : public KvBatch {
 public:
  void Put(Column column, std::string_view key, std::string_view value) override {
    mutations_.push_back({column, std::string(key), std::string(value)});
  }
  void Delete(Column column, std::string_view key) override {
    mutations_.push_back({column, std::string(key), std::nullopt});
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
      "events", "dedup", "dossiers", "kpi", "timers", "alerts", "meta", "heads"};
  return kNames[static_cast<int>(column)];
}

core::Status MemoryKvStore::Get(Column column, std::string_view key, std::string* value) {
  const Table& table = tables_[static_cast<int>(column)];
  auto it = table.find(key);
  if (it == table.end()) return core::Status::NotFound(std::string(key));
  *value = it->second;
  return core::Status::Ok();
}

std::unique_ptr<KvBatch> MemoryKvStore::NewBatch() { return std::make_unique<MemoryBatch>(); }

core::Status MemoryKvStore::Write(KvBatch& batch) {
  for (Mutation& m : static_cast<MemoryBatch&>(batch).mutations()) {
    Table& table = tables_[static_cast<int>(m.column)];
    if (m.value) {
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

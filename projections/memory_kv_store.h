// MemoryKvStore: an in-memory KvStore with the same atomic-batch semantics,
// for unit tests and for `kpi --as-of` folds that never touch disk.
// Not thread-safe.
#ifndef HOSO_PROJECTIONS_MEMORY_KV_STORE_H_
#define HOSO_PROJECTIONS_MEMORY_KV_STORE_H_

#include <array>
#include <map>
#include <string>

#include "projections/kv_store.h"

namespace hoso::projections {

class MemoryKvStore final : public KvStore {
 public:
  core::Status Get(Column column, std::string_view key, std::string* value) override;
  std::unique_ptr<KvBatch> NewBatch(size_t reserve_bytes = 0) override;
  core::Status Write(KvBatch& batch) override;
  std::unique_ptr<KvIterator> NewIterator(Column column) override;

  using Table = std::map<std::string, std::string, std::less<>>;
  const Table& table(Column column) const { return tables_[static_cast<int>(column)]; }
  // How many batches were written (tests check that idle work writes none).
  size_t writes() const { return writes_; }

 private:
  std::array<Table, kColumnCount> tables_;
  size_t writes_ = 0;
};

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_MEMORY_KV_STORE_H_

#include "engine/runtime/committer.h"

namespace hoso::runtime {

Committer::Committer(projections::KvStore* store, bool threaded, size_t max_in_flight)
    : stage_(
          "hoso-commit",
          [store](Commit* commit) {
            commit->Prepare();
            core::Status s = store->Write(*commit->batch);
            if (s.ok()) store->Recycle(std::move(commit->batch));
            return s;
          },
          threaded, max_in_flight) {}

}  // namespace hoso::runtime

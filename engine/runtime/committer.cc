#include "engine/runtime/committer.h"

namespace hoso::runtime {

Committer::Committer(projections::KvStore* store, bool threaded, size_t max_in_flight)
    : write_(
          "hoso-commit",
          [store](Commit* commit) {
            core::Status s = store->Write(*commit->batch);
            if (s.ok()) store->Recycle(std::move(commit->batch));
            return s;
          },
          threaded, max_in_flight),
      prepare_(
          "hoso-prepare",
          [](Commit* commit) {
            commit->Prepare();
            return core::Status::Ok();
          },
          threaded, max_in_flight, &write_) {}

}  // namespace hoso::runtime

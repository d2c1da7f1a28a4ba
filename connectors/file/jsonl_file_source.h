// JsonlFileSource: an EventSource over a file of one JSON event per line.
//
// Its position is the byte offset after the last line of a batch, stored
// under the source id "file:<absolute path>"; Start() seeks there. Blank
// lines are skipped and counted (blank_lines()). A line longer than the
// codec's limit is handed over whole (the codec rejects it as too_large and
// the dead letter keeps its bytes); a line longer than the 8 MiB read buffer
// is handed over as its first `kept_head_bytes` with RawRecord::full_size and
// full_sha256_hex set, and the stream goes on.
#ifndef HOSO_CONNECTORS_FILE_JSONL_FILE_SOURCE_H_
#define HOSO_CONNECTORS_FILE_JSONL_FILE_SOURCE_H_

#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "engine/runtime/event_source.h"

namespace hoso::connectors {

class JsonlFileSource final : public runtime::EventSource {
 public:
  // `kept_head_bytes`: how much of a line longer than the read buffer is
  // kept (at least the codec's limit + 1). Default: 1 MiB.
  explicit JsonlFileSource(std::string path, size_t kept_head_bytes = size_t{1} << 20);
  ~JsonlFileSource() override;
  JsonlFileSource(const JsonlFileSource&) = delete;
  JsonlFileSource& operator=(const JsonlFileSource&) = delete;

  core::Status Start(const runtime::PositionLookup& lookup) override;
  core::Status NextBatch(size_t max_records, runtime::SourceBatch* batch) override;
  std::string Describe() const override { return "file " + path_; }

  const std::string& source_id() const { return source_id_; }
  int64_t size_bytes() const { return size_bytes_; }
  int64_t position_bytes() const { return position_bytes_; }
  int64_t start_position_bytes() const { return start_position_bytes_; }
  // Blank lines skipped since Start().
  int64_t blank_lines() const { return blank_lines_; }

 private:
  bool FillBuffer();

  std::string path_;
  std::string source_id_;
  std::FILE* file_ = nullptr;
  int64_t size_bytes_ = 0;
  int64_t start_position_bytes_ = 0;
  int64_t position_bytes_ = 0;  // offset of buffer_[consumed_]
  std::vector<char> buffer_;
  size_t consumed_ = 0;
  size_t filled_ = 0;
  bool eof_ = false;
  size_t kept_head_bytes_;
  int64_t blank_lines_ = 0;
  struct LongLine {
    std::string head;
    std::string sha256_hex;
  };
  std::deque<LongLine> long_lines_;  // over-long lines of the batch in hand (stable addresses)
};

}  // namespace hoso::connectors

#endif  // HOSO_CONNECTORS_FILE_JSONL_FILE_SOURCE_H_

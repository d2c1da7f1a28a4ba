// JsonlFileSource: an EventSource over a file of one JSON event per line.
//
// Its position is the byte offset after the last line of a batch, stored
// under the source id "file:<absolute path>"; Start() seeks there. Empty
// lines are skipped. A line longer than the codec's limit is handed over cut
// to kMaxEventBytes + 1 bytes, so it is rejected as too_large and the stream
// goes on.
#ifndef HOSO_CONNECTORS_FILE_JSONL_FILE_SOURCE_H_
#define HOSO_CONNECTORS_FILE_JSONL_FILE_SOURCE_H_

#include <cstdio>
#include <string>
#include <vector>

#include "engine/runtime/event_source.h"

namespace hoso::connectors {

class JsonlFileSource final : public runtime::EventSource {
 public:
  explicit JsonlFileSource(std::string path);
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
  std::vector<std::string> long_lines_;  // storage for cut over-long lines of a batch
};

}  // namespace hoso::connectors

#endif  // HOSO_CONNECTORS_FILE_JSONL_FILE_SOURCE_H_

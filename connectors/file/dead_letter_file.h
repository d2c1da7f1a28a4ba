// DeadLetterFile: the RejectSink of `hoso ingest`, a JSONL file next to the
// database ("<db>.dead-letter.jsonl"). One line per rejected record:
//   {"reason": "schema", "message": "...", "source": "file:/abs/events.jsonl",
//    "offset": 1234, "record": "<the original line>"}
// (invalid UTF-8 in the record is replaced by U+FFFD; `offset` locates the
// exact original bytes in the source).
//
// Its size is stored with the engine's positions (source id
// "dead-letter:<path>"); on restart Start() truncates the file to that size,
// so a killed ingest that runs again never writes a rejection twice.
#ifndef HOSO_CONNECTORS_FILE_DEAD_LETTER_FILE_H_
#define HOSO_CONNECTORS_FILE_DEAD_LETTER_FILE_H_

#include <cstdio>
#include <string>

#include "engine/runtime/event_source.h"

namespace hoso::connectors {

class DeadLetterFile final : public runtime::RejectSink {
 public:
  DeadLetterFile(std::string path, std::string source_id);
  ~DeadLetterFile() override;
  DeadLetterFile(const DeadLetterFile&) = delete;
  DeadLetterFile& operator=(const DeadLetterFile&) = delete;

  core::Status Start(const runtime::PositionLookup& lookup);
  core::Status Write(const runtime::RawRecord& record, const core::Rejection& rejection) override;
  core::Status Flush() override;

  // The position entry to store with each batch: {"dead-letter:<path>", size}.
  std::pair<std::string, std::string> Position() const;
  const std::string& path() const { return path_; }
  int64_t written() const { return written_; }

 private:
  std::string path_;
  std::string source_id_;
  std::FILE* file_ = nullptr;
  int64_t size_bytes_ = 0;
  int64_t written_ = 0;
};

}  // namespace hoso::connectors

#endif  // HOSO_CONNECTORS_FILE_DEAD_LETTER_FILE_H_

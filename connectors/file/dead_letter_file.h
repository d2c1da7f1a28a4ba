// DeadLetterFile: the RejectSink of `hoso ingest`, a JSONL file next to the
// database ("<db>.dead-letter.jsonl"). One line per rejected record:
//   {"reason": "schema", "message": "...", "source": "file:/abs/events.jsonl",
//    "offset": 1234, "size": 187, "record": "<the original line>"}
// The original bytes are kept exactly (runtime/dead_letter_payload.h):
// "record" when they are valid UTF-8, else "record_base64"; a record over
// `max_record_bytes` keeps its head only, with "truncated": true, its true
// "size" and the "sha256" of all of it. `offset` locates it in the source.
//
// Its size is stored with the engine's positions (source id
// "dead-letter:<path>"); on restart Start() truncates the file to that size,
// so a killed ingest that runs again never writes a rejection twice.
#ifndef HOSO_CONNECTORS_FILE_DEAD_LETTER_FILE_H_
#define HOSO_CONNECTORS_FILE_DEAD_LETTER_FILE_H_

#include <cstdio>
#include <optional>
#include <string>

#include "engine/runtime/event_source.h"

namespace hoso::connectors {

class DeadLetterFile final : public runtime::RejectSink {
 public:
  // `max_record_bytes`: the most bytes of one record kept in full. Default: 1 MiB.
  DeadLetterFile(std::string path, std::string source_id,
                 size_t max_record_bytes = size_t{1} << 20);
  ~DeadLetterFile() override;
  DeadLetterFile(const DeadLetterFile&) = delete;
  DeadLetterFile& operator=(const DeadLetterFile&) = delete;

  // Opens the file, truncated to the size stored in the database (lines
  // written after the last committed batch are cut). With no stored size the
  // file is kept as it is: the caller must then store Position() before the
  // first batch (has_stored_position() is false), so that a crash before
  // that batch commits cannot leave its dead letters behind twice.
  core::Status Start(const runtime::PositionLookup& lookup);
  bool has_stored_position() const { return has_stored_position_; }
  core::Status Write(const runtime::RawRecord& record, const core::Rejection& rejection) override;
  core::Status Flush() override;

  // The position entry to store with each batch: {"dead-letter:<path>", size}.
  std::optional<std::pair<std::string, std::string>> Position() const override;
  const std::string& path() const { return path_; }
  int64_t written() const { return written_; }

 private:
  std::string path_;
  std::string source_id_;
  size_t max_record_bytes_;
  std::FILE* file_ = nullptr;
  int64_t size_bytes_ = 0;
  int64_t written_ = 0;
  bool has_stored_position_ = false;
};

}  // namespace hoso::connectors

#endif  // HOSO_CONNECTORS_FILE_DEAD_LETTER_FILE_H_

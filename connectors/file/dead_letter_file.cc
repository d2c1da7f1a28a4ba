#include "connectors/file/dead_letter_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/runtime/dead_letter_payload.h"

namespace hoso::connectors {

DeadLetterFile::DeadLetterFile(std::string path, std::string source_id, size_t max_record_bytes)
    : path_(std::move(path)),
      source_id_(std::move(source_id)),
      max_record_bytes_(max_record_bytes) {}

DeadLetterFile::~DeadLetterFile() {
  if (file_ != nullptr) std::fclose(file_);
}

core::Status DeadLetterFile::Start(const runtime::PositionLookup& lookup) {
  auto stored = lookup("dead-letter:" + path_);
  if (!stored.ok()) return stored.status();
  std::error_code ec;
  has_stored_position_ = stored->has_value();
  if (stored->has_value()) {
    size_bytes_ = std::strtoll((*stored)->c_str(), nullptr, 10);
    // Lines written after the last committed batch belong to records that
    // will be read again: cut them.
    if (std::filesystem::exists(path_, ec) &&
        static_cast<int64_t>(std::filesystem::file_size(path_, ec)) > size_bytes_) {
      std::filesystem::resize_file(path_, static_cast<uintmax_t>(size_bytes_), ec);
      if (ec) return core::Status::IOError("cannot truncate " + path_ + ": " + ec.message());
    }
  } else if (std::filesystem::exists(path_, ec)) {
    size_bytes_ = static_cast<int64_t>(std::filesystem::file_size(path_, ec));
  }
  file_ = std::fopen(path_.c_str(), "ab");
  if (file_ == nullptr) {
    return core::Status::IOError("cannot open " + path_ + ": " + std::strerror(errno));
  }
  return core::Status::Ok();
}

core::Status DeadLetterFile::Write(const runtime::RawRecord& record,
                                   const core::Rejection& rejection) {
  const runtime::DeadLetterPayload payload =
      runtime::MakeDeadLetterPayload(record, max_record_bytes_);
  nlohmann::ordered_json line;
  line["reason"] = core::RejectCodeName(rejection.code);
  line["message"] = rejection.message;
  line["source"] = source_id_;
  line["offset"] = record.offset;
  line["size"] = payload.size;
  if (payload.valid_utf8) {
    line["record"] = std::string(payload.kept);
  } else {
    line["record_base64"] = runtime::Base64(payload.kept);
  }
  if (payload.truncated) {
    line["truncated"] = true;
    line["sha256"] = payload.sha256_hex;
  }
  // The message may quote the record; a byte that is not UTF-8 there is
  // replaced (the record itself is exact, above).
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
    return core::Status::IOError("cannot write " + path_);
  }
  size_bytes_ += static_cast<int64_t>(text.size());
  ++written_;
  return core::Status::Ok();
}

core::Status DeadLetterFile::Flush() {
  if (std::fflush(file_) != 0 || ::fsync(fileno(file_)) != 0) {
    return core::Status::IOError("cannot flush " + path_);
  }
  return core::Status::Ok();
}

std::optional<std::pair<std::string, std::string>> DeadLetterFile::Position() const {
  return std::make_pair("dead-letter:" + path_, std::to_string(size_bytes_));
}

}  // namespace hoso::connectors

#include "connectors/file/jsonl_file_source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "engine/core/rejection.h"
#include "engine/runtime/chain_hash.h"

namespace hoso::connectors {
namespace {

constexpr size_t kBufferBytes = 8 << 20;

}  // namespace

JsonlFileSource::JsonlFileSource(std::string path, size_t kept_head_bytes)
    : path_(std::move(path)),
      kept_head_bytes_(std::max<size_t>(kept_head_bytes, core::kMaxEventBytes + 1)) {
  std::error_code ec;
  auto absolute = std::filesystem::absolute(path_, ec);
  source_id_ = "file:" + (ec ? path_ : absolute.lexically_normal().string());
}

JsonlFileSource::~JsonlFileSource() {
  if (file_ != nullptr) std::fclose(file_);
}

core::Status JsonlFileSource::Start(const runtime::PositionLookup& lookup) {
  file_ = std::fopen(path_.c_str(), "rb");
  if (file_ == nullptr) {
    return core::Status::IOError("cannot open " + path_ + ": " + std::strerror(errno));
  }
  std::error_code ec;
  size_bytes_ = static_cast<int64_t>(std::filesystem::file_size(path_, ec));
  auto stored = lookup(source_id_);
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) {
    char* end = nullptr;
    const long long offset = std::strtoll((*stored)->c_str(), &end, 10);
    if (end == (*stored)->c_str() || offset < 0) {
      return core::Status::Corruption("stored position of " + source_id_ + " is not an offset");
    }
    if (offset > size_bytes_) {
      return core::Status::InvalidArgument(
          path_ + " is shorter (" + std::to_string(size_bytes_) +
          " bytes) than the position already ingested (" + std::to_string(offset) +
          "); was the file replaced? Ingest it into a new database.");
    }
    if (std::fseek(file_, static_cast<long>(offset), SEEK_SET) != 0) {
      return core::Status::IOError("cannot seek in " + path_);
    }
    start_position_bytes_ = position_bytes_ = offset;
  }
  buffer_.resize(kBufferBytes);
  return core::Status::Ok();
}

bool JsonlFileSource::FillBuffer() {
  if (consumed_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + consumed_, filled_ - consumed_);
    filled_ -= consumed_;
    consumed_ = 0;
  }
  if (eof_ || filled_ == buffer_.size()) return false;
  const size_t read = std::fread(buffer_.data() + filled_, 1, buffer_.size() - filled_, file_);
  filled_ += read;
  if (read == 0) eof_ = true;
  return read > 0;
}

core::Status JsonlFileSource::NextBatch(size_t max_records, runtime::SourceBatch* batch) {
  batch->Clear();
  long_lines_.clear();
  // Records point into buffer_: only compact (FillBuffer) before taking any.
  if (filled_ - consumed_ < kBufferBytes / 2 ||
      std::memchr(buffer_.data() + consumed_, '\n', filled_ - consumed_) == nullptr) {
    FillBuffer();
  }
  if (std::ferror(file_)) return core::Status::IOError("cannot read " + path_);
  while (batch->records.size() < max_records && consumed_ < filled_) {
    const char* start = buffer_.data() + consumed_;
    const size_t available = filled_ - consumed_;
    const void* newline = std::memchr(start, '\n', available);
    size_t line_bytes;
    size_t advance;
    if (newline != nullptr) {
      line_bytes = static_cast<const char*>(newline) - start;
      advance = line_bytes + 1;
    } else if (eof_) {
      line_bytes = available;  // last line without a newline
      advance = available;
    } else if (batch->records.empty() && consumed_ == 0 && filled_ == buffer_.size()) {
      // A line longer than the whole buffer: keep its head (enough to be
      // rejected as too_large, and for the dead letter), and read the rest
      // up to the next newline only to count it and hash it, so the dead
      // letter states the true size and the SHA-256 of the whole line.
      const int64_t line_offset = position_bytes_;
      runtime::Sha256Stream sha;
      std::string head(start, std::min(available, kept_head_bytes_));
      sha.Update(std::string_view(start, available));
      int64_t line_bytes = static_cast<int64_t>(available);
      int64_t skipped = static_cast<int64_t>(available);
      consumed_ = filled_;
      bool found = false;
      while (!found) {
        filled_ = consumed_ = 0;
        if (!FillBuffer()) break;
        const void* nl = std::memchr(buffer_.data(), '\n', filled_);
        const size_t part = nl != nullptr ? static_cast<const char*>(nl) - buffer_.data() : filled_;
        sha.Update(std::string_view(buffer_.data(), part));
        line_bytes += static_cast<int64_t>(part);
        consumed_ = nl != nullptr ? part + 1 : filled_;
        found = nl != nullptr;
        skipped += static_cast<int64_t>(consumed_);
      }
      if (std::ferror(file_)) return core::Status::IOError("cannot read " + path_);
      position_bytes_ += skipped;
      LongLine& kept = long_lines_.emplace_back();
      kept.head = std::move(head);
      kept.sha256_hex = runtime::ToHex(sha.Finish());
      runtime::RawRecord record{kept.head, 0, line_offset};
      record.full_size = line_bytes;
      record.full_sha256_hex = kept.sha256_hex;
      batch->records.push_back(record);
      break;
    } else {
      break;  // the rest of this line is not in the buffer yet; next batch
    }
    const int64_t line_offset = position_bytes_;
    consumed_ += advance;
    position_bytes_ += static_cast<int64_t>(advance);
    std::string_view line(start, line_bytes);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      ++blank_lines_;
      continue;
    }
    // The whole line, however long: the codec rejects one over the limit as
    // too_large, and the dead letter keeps its exact bytes.
    batch->records.push_back(runtime::RawRecord{line, 0, line_offset});
  }
  batch->positions.emplace_back(source_id_, std::to_string(position_bytes_));
  batch->end_of_source = eof_ && consumed_ >= filled_;
  return core::Status::Ok();
}

}  // namespace hoso::connectors

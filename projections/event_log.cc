#include "projections/event_log.h"

#include <lz4.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include "projections/coding.h"
#include "projections/large_mapping.h"
#include "projections/lz4_block.h"

namespace hoso::projections {
namespace {

constexpr uint8_t kSegmentFormat = 3;            // entries as they are (in memory)
constexpr uint8_t kCompressedSegmentFormat = 4;  // entries as one LZ4 block (stored)
constexpr uint8_t kDerivedFlag = 1;

}  // namespace

std::string LogKey(uint64_t first_sequence, uint64_t batch_serial) {
  std::string key;
  key.reserve(16);
  PutU64(&key, first_sequence);
  PutU64(&key, batch_serial);
  return key;
}

core::Result<std::pair<uint64_t, uint64_t>> DecodeLogKey(std::string_view key) {
  Reader r(key);
  const uint64_t first = r.U64();
  const uint64_t serial = r.U64();
  if (r.failed() || !r.done()) return Corrupt("log key");
  return std::make_pair(first, serial);
}

namespace {

// Header sizes: the counts are fixed-width so they are patched in place.
constexpr size_t kSegmentHeaderBytes = 1 + 8 + 8 + 4;
constexpr size_t kIndexHeaderBytes = 4;

void PatchU32(std::string* out, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*out)[at + i] = static_cast<char>(v >> (24 - 8 * i));
}

}  // namespace

void SegmentBuilder::Reset(uint64_t batch_serial, uint64_t first_sequence) {
  serial_ = batch_serial;
  first_sequence_ = first_sequence;
  count_ = 0;
  segment_.clear();
  PutU8(&segment_, kSegmentFormat);
  PutU64(&segment_, serial_);
  PutU64(&segment_, first_sequence_);
  PutU32(&segment_, 0);
  entry_offsets_.clear();
  index_.clear();
  PutU32(&index_, 0);
}

bool SegmentBuilder::BytesOf(uint64_t sequence, std::string_view* bytes) const {
  if (sequence < first_sequence_ || sequence - first_sequence_ >= count_) return false;
  Reader r(std::string_view(segment_).substr(entry_offsets_[sequence - first_sequence_]));
  r.U8();
  r.SignedVarint();
  r.SignedVarint();
  r.Varint();
  r.Bytes(32);
  r.String();
  *bytes = r.String();
  return !r.failed();
}

void SegmentBuilder::Add(const LogEntry& entry, uint64_t event_id_fingerprint) {
  entry_offsets_.push_back(static_cast<uint32_t>(segment_.size()));
  PutU8(&segment_, entry.derived ? kDerivedFlag : 0);
  PutSignedVarint(&segment_, entry.partition);
  PutSignedVarint(&segment_, entry.offset);
  PutVarint(&segment_, entry.dossier_sequence);
  segment_.append(entry.chain_hash.data(), 32);
  PutString(&segment_, entry.dossier_id);
  PutString(&segment_, entry.bytes);
  PutU64(&index_, event_id_fingerprint);
  PutU64(&index_, Fingerprint(entry.dossier_id));
  ++count_;
  PatchU32(&segment_, kSegmentHeaderBytes - 4, count_);
  PatchU32(&index_, 0, count_);
}

std::string SegmentBuilder::TakeSegment(std::string spare) {
  std::string out = std::move(segment_);
  segment_ = std::move(spare);
  segment_.clear();
  return out;
}

std::string_view CompressSegment(std::string_view segment, std::string* buffer) {
  const std::string_view entries = segment.substr(std::min(segment.size(), kSegmentHeaderBytes));
  // The block first (it sizes the buffer), then the header and size before it.
  const size_t end = CompressLz4At(entries, kSegmentHeaderBytes + 4, buffer);
  char* out = buffer->data();
  std::memcpy(out, segment.data(), kSegmentHeaderBytes);
  out[0] = static_cast<char>(kCompressedSegmentFormat);
  const uint32_t size = static_cast<uint32_t>(entries.size());
  for (int i = 0; i < 4; ++i)
    out[kSegmentHeaderBytes + i] = static_cast<char>(size >> (24 - 8 * i));
  return std::string_view(out, end);
}

std::string CompressSegment(std::string_view segment) {
  std::string buffer;
  return std::string(CompressSegment(segment, &buffer));
}

namespace {

// A buffer of at least `size` bytes for a segment's entries, not zeroed
// (LZ4 writes every byte it reports). One of the thread's previous buffers
// that no reader holds any more (a scan of the log decompresses into one
// buffer; a replay's writer thread holds a few, SegmentReader::
// shared_entries); otherwise a MapLarge mapping: a segment is a few
// megabytes, and writing them into fresh 4 KB pages costs ~4.5 us a page on
// the reference virtual machine even when populated (3 ms of a `hoso
// history` process), a huge page ~0.15 ms for 2 MB (large_mapping.h).
std::shared_ptr<char[]> DecompressionBuffer(size_t size) {
  constexpr size_t kMapped = size_t{256} << 10;
  // A replay's writer holds up to four commits' segments (Committer), the
  // engine thread one more.
  constexpr size_t kSpares = 6;
  struct Spare {
    std::shared_ptr<char[]> buffer;
    size_t size = 0;
  };
  thread_local std::vector<Spare> spares;
  for (const Spare& spare : spares) {
    if (spare.buffer.use_count() == 1 && spare.size >= size) {
      // The last other holder released it on another thread, after reading
      // it: this thread's writes into it come after those reads.
      std::atomic_thread_fence(std::memory_order_acquire);
      return spare.buffer;
    }
  }
  if (size < kMapped) return std::make_shared_for_overwrite<char[]>(size);
  void* mapped = MapLarge(size);
  if (mapped == nullptr) return std::make_shared_for_overwrite<char[]>(size);
  std::shared_ptr<char[]> buffer(static_cast<char*>(mapped),
                                 [size](char* p) { UnmapLarge(p, size); });
  Spare added{buffer, LargeMappingBytes(size)};
  // Kept in place of a free one too small, or beside the others while
  // there is room; otherwise it goes when its readers do.
  for (Spare& spare : spares) {
    if (spare.buffer.use_count() == 1) {
      spare = std::move(added);
      return buffer;
    }
  }
  if (spares.size() < kSpares) spares.push_back(std::move(added));
  return buffer;
}

// A stored segment's header, and what follows it.
struct SegmentHeader {
  bool compressed = false;
  uint64_t serial = 0;
  uint64_t first_sequence = 0;
  uint64_t count = 0;
  uint32_t size = 0;         // compressed: the bytes of the entries
  std::string_view entries;  // the entries, or (compressed) their LZ4 block
};

core::Result<SegmentHeader> ReadSegmentHeader(std::string_view value) {
  Reader r(value);
  SegmentHeader header;
  const uint8_t format = r.U8();
  if (format != kSegmentFormat && format != kCompressedSegmentFormat) {
    return Corrupt("log segment (unknown format)");
  }
  header.compressed = format == kCompressedSegmentFormat;
  header.serial = r.U64();
  header.first_sequence = r.U64();
  header.count = r.U32();
  if (header.compressed) header.size = r.U32();
  header.entries = r.Rest();
  if (r.failed()) return Corrupt("log segment header");
  if (header.compressed && !Lz4SizeIsPlausible(header.entries.size(), header.size)) {
    return Corrupt("log segment header");
  }
  return header;
}

// Decompresses a compressed segment's whole block into `out` (room for
// header.size bytes); false when it does not decompress to exactly that.
bool DecompressEntries(const SegmentHeader& header, char* out) {
  return DecompressLz4(header.entries, out, header.size);
}

}  // namespace

bool StoresSegment(std::string_view stored, std::string_view segment, std::string* scratch,
                   std::string_view stored_entries) {
  auto source = ReadSegmentHeader(stored);
  auto built = ReadSegmentHeader(segment);
  if (!source.ok() || !built.ok() || !source->compressed || built->compressed) return false;
  if (source->serial != built->serial || source->first_sequence != built->first_sequence ||
      source->count != built->count || source->size != built->entries.size()) {
    return false;
  }
  if (!stored_entries.empty() && stored_entries.size() == source->size) {
    return std::memcmp(stored_entries.data(), built->entries.data(), source->size) == 0;
  }
  if (scratch->size() < source->size) scratch->resize(source->size);
  return DecompressEntries(*source, scratch->data()) &&
         std::memcmp(scratch->data(), built->entries.data(), source->size) == 0;
}

core::Result<SegmentReader> SegmentReader::Open(std::string_view value) {
  auto header = ReadSegmentHeader(value);
  if (!header.ok()) return header.status();
  SegmentReader reader;
  reader.serial_ = header->serial;
  reader.first_sequence_ = header->first_sequence;
  reader.count_ = header->count;
  if (!header->compressed) {
    reader.rest_ = header->entries;
    return reader;
  }
  reader.decompressed_ = DecompressionBuffer(header->size);
  if (!DecompressEntries(*header, reader.decompressed_.get())) {
    return Corrupt("log segment (its entries do not decompress)");
  }
  reader.rest_ = std::string_view(reader.decompressed_.get(), header->size);
  reader.whole_size_ = header->size;
  return reader;
}

core::Result<SegmentReader> SegmentReader::OpenPrefix(std::string_view value, uint64_t entries) {
  auto header = ReadSegmentHeader(value);
  if (!header.ok()) return header.status();
  // The whole segment: when it is all wanted, or not compressed.
  if (!header->compressed || entries >= header->count) return Open(value);
  const uint64_t count = header->count;
  const uint32_t size = header->size;
  const std::string_view block = header->entries;
  SegmentReader reader;
  reader.serial_ = header->serial;
  reader.first_sequence_ = header->first_sequence;
  reader.decompressed_ = DecompressionBuffer(size);
  reader.count_ = entries;
  // Entries vary in size: guess their bytes from the average, with room, and
  // double the guess until the wanted entries all decode.
  uint64_t target = std::min<uint64_t>(size, size / count * entries * 5 / 4 + 4096);
  for (;;) {
    const int decoded_size = LZ4_decompress_safe_partial(
        block.data(), reader.decompressed_.get(), static_cast<int>(block.size()),
        static_cast<int>(target), static_cast<int>(size));
    if (decoded_size < static_cast<int>(target)) {
      return Corrupt("log segment (its entries do not decompress)");
    }
    const std::string_view decoded(reader.decompressed_.get(), static_cast<size_t>(decoded_size));
    reader.rest_ = decoded;
    reader.read_ = 0;
    LogEntry entry;
    core::Status status;
    while (reader.read_ < entries && reader.Next(&entry, &status)) {
    }
    if (reader.read_ == entries) {
      reader.rest_ = decoded.substr(0, decoded.size() - reader.rest_.size());
      reader.read_ = 0;
      return reader;
    }
    if (target == size) return status.ok() ? Corrupt("log segment entry") : status;
    target = std::min<uint64_t>(size, target * 2);
  }
}

bool SegmentReader::Next(LogEntry* entry, core::Status* status) {
  if (read_ == count_) {
    if (!rest_.empty()) *status = Corrupt("log segment (bytes after its last event)");
    return false;
  }
  Reader r(rest_);
  const uint8_t flags = r.U8();
  entry->derived = (flags & kDerivedFlag) != 0;
  entry->partition = static_cast<int32_t>(r.SignedVarint());
  entry->offset = r.SignedVarint();
  entry->dossier_sequence = static_cast<uint32_t>(r.Varint());
  entry->chain_hash = r.Bytes(32);
  entry->dossier_id = r.String();
  entry->bytes = r.String();
  if (r.failed() || flags > kDerivedFlag) {
    *status = Corrupt("log segment entry");
    return false;
  }
  entry->sequence = first_sequence_ + read_;
  ++read_;
  rest_ = rest_.substr(r.position());
  return true;
}

core::Status DecodeLogIndex(std::string_view value, std::vector<IndexEntry>* entries) {
  entries->clear();
  Reader r(value);
  const uint64_t count = r.U32();
  if (r.failed() || count > value.size() / 16) return Corrupt("log index");
  entries->resize(count);
  for (IndexEntry& entry : *entries) {
    entry.event_id_fingerprint = r.U64();
    entry.dossier_fingerprint = r.U64();
  }
  if (r.failed() || !r.done()) return Corrupt("log index");
  return core::Status::Ok();
}

core::Status LogReader::ForEach(uint64_t from,
                                const std::function<core::Status(const LogEntry&)>& visit) {
  auto it = store_->NewIterator(Column::kLog);
  std::string start;
  PutU64(&start, from);
  PutU64(&start, UINT64_MAX);
  // The segment holding `from` starts at or before it.
  it->SeekForPrev(start);
  if (!it->Valid()) it->SeekToFirst();
  for (; it->Valid(); it->Next()) {
    auto segment = SegmentReader::Open(it->value());
    if (!segment.ok()) return segment.status();
    LogEntry entry;
    core::Status status;
    while (segment->Next(&entry, &status)) {
      if (entry.sequence < from) continue;
      HOSO_RETURN_IF_ERROR(visit(entry));
    }
    HOSO_RETURN_IF_ERROR(status);
  }
  return it->status();
}

core::Status LogReader::DossierEvents(std::string_view dossier_id, uint64_t first, uint64_t last,
                                      uint64_t count,
                                      const std::function<core::Status(const LogEntry&)>& visit) {
  const uint64_t wanted = Fingerprint(dossier_id);
  const bool counted = last != 0 && count > 0;
  auto index = store_->NewIterator(Column::kLogIndex);
  // Segments are read in place through an iterator (a Get would copy each,
  // a megabyte, into fresh memory).
  auto log = store_->NewIterator(Column::kLog);
  // The index value of the segment holding `sequence` (it starts at or
  // before it).
  auto seek_segment_of = [&](uint64_t sequence) {
    std::string start;
    PutU64(&start, sequence);
    PutU64(&start, UINT64_MAX);
    index->SeekForPrev(start);
    if (!index->Valid()) index->SeekToFirst();
  };
  seek_segment_of(first);
  std::vector<IndexEntry> entries;
  uint64_t visited = 0;
  bool jumped = false;
  for (; index->Valid(); index->Next()) {
    auto key = DecodeLogKey(index->key());
    if (!key.ok()) return key.status();
    if (last != 0 && key->first > last) break;
    if (counted && visited >= count) break;
    if (counted && !jumped && visited + 1 == count) {
      // Only `last` is left: its segment, not the index values between.
      jumped = true;
      seek_segment_of(last);
      if (!index->Valid()) break;
      key = DecodeLogKey(index->key());
      if (!key.ok()) return key.status();
    }
    HOSO_RETURN_IF_ERROR(DecodeLogIndex(index->value(), &entries));
    // The entries up to the last one the index names are all that is read.
    size_t named = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].dossier_fingerprint == wanted) named = i + 1;
    }
    if (named == 0) continue;
    log->Seek(index->key());
    HOSO_RETURN_IF_ERROR(log->status());
    if (!log->Valid() || log->key() != index->key()) {
      return core::Status::Corruption("the log segment of an index value is missing");
    }
    auto segment = SegmentReader::OpenPrefix(log->value(), named);
    if (!segment.ok()) return segment.status();
    LogEntry entry;
    core::Status status;
    size_t i = 0;
    while (segment->Next(&entry, &status)) {
      const bool candidate = i < entries.size() && entries[i].dossier_fingerprint == wanted;
      ++i;
      if (!candidate || entry.dossier_id != dossier_id || entry.sequence < first) continue;
      if (last != 0 && entry.sequence > last) break;
      ++visited;
      HOSO_RETURN_IF_ERROR(visit(entry));
    }
    HOSO_RETURN_IF_ERROR(status);
  }
  return index->status();
}

}  // namespace hoso::projections

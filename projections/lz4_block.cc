#include "projections/lz4_block.h"

#include <lz4.h>

#include <algorithm>

namespace hoso::projections {

size_t PutLz4Block(std::string_view input, size_t at, std::string* buffer) {
  const int bound = LZ4_compressBound(static_cast<int>(input.size()));
  const size_t needed = at + BufferWriter::kMaxVarint + static_cast<size_t>(bound);
  if (buffer->size() < needed) buffer->resize(needed);
  BufferWriter size(buffer->data() + at);
  size.Varint(input.size());
  const size_t block_at = at + size.size();
  const int written = LZ4_compress_default(input.data(), buffer->data() + block_at,
                                           static_cast<int>(input.size()), bound);
  return block_at + static_cast<size_t>(std::max(written, 0));
}

core::Status GetLz4Block(Reader* r, std::string_view what, std::string* scratch,
                         std::string_view* out) {
  const uint64_t size = r->Varint();
  const std::string_view block = r->Rest();
  if (r->failed() || !Lz4SizeIsPlausible(block.size(), size)) {
    return Corrupt(what);
  }
  if (scratch->size() < size) scratch->resize(size);
  const int read = LZ4_decompress_safe(block.data(), scratch->data(),
                                       static_cast<int>(block.size()), static_cast<int>(size));
  if (read != static_cast<int>(size)) return Corrupt(std::string(what) + " (LZ4 block)");
  *out = std::string_view(scratch->data(), size);
  return core::Status::Ok();
}

}  // namespace hoso::projections

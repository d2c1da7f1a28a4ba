#include "projections/lz4_block.h"

#include <lz4.h>

#include <algorithm>
#include <cstring>

namespace hoso::projections {

size_t CompressLz4At(std::string_view input, size_t at, std::string* buffer) {
  const int bound = LZ4_compressBound(static_cast<int>(input.size()));
  const size_t needed = at + static_cast<size_t>(bound);
  if (buffer->size() < needed) buffer->resize(needed);
  const int written = LZ4_compress_default(input.data(), buffer->data() + at,
                                           static_cast<int>(input.size()), bound);
  return at + static_cast<size_t>(std::max(written, 0));
}

bool DecompressLz4(std::string_view block, char* out, size_t size) {
  const int read = LZ4_decompress_safe(block.data(), out, static_cast<int>(block.size()),
                                       static_cast<int>(size));
  return read == static_cast<int>(size);
}

size_t PutLz4Block(std::string_view input, size_t at, std::string* buffer) {
  char size[BufferWriter::kMaxVarint];
  BufferWriter w(size);
  w.Varint(input.size());
  const size_t end = CompressLz4At(input, at + w.size(), buffer);
  std::memcpy(buffer->data() + at, size, w.size());
  return end;
}

core::Status GetLz4Block(Reader* r, std::string_view what, std::string* scratch,
                         std::string_view* out) {
  const uint64_t size = r->Varint();
  const std::string_view block = r->Rest();
  if (r->failed() || !Lz4SizeIsPlausible(block.size(), size)) {
    return Corrupt(what);
  }
  if (scratch->size() < size) scratch->resize(size);
  if (!DecompressLz4(block, scratch->data(), size)) {
    return Corrupt(std::string(what) + " (LZ4 block)");
  }
  *out = std::string_view(scratch->data(), size);
  return core::Status::Ok();
}

}  // namespace hoso::projections

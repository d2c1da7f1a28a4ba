// The compressed part of a stored value (alert_log.h, batch_delta.h): varint
// size of the input, then the input as one LZ4 block. What precedes it (a
// format byte, a count) is the layout's own.
#ifndef HOSO_PROJECTIONS_LZ4_BLOCK_H_
#define HOSO_PROJECTIONS_LZ4_BLOCK_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/core/status.h"
#include "projections/coding.h"

namespace hoso::projections {

// Compresses `input` as one LZ4 block into `buffer` from byte `at`, growing
// the buffer (never shrinking: a buffer reused for every value costs no
// allocation and no zeroing); returns where the block ends. The layouts
// (this file's, and the log segment's, event_log.h) write what precedes it.
size_t CompressLz4At(std::string_view input, size_t at, std::string* buffer);

// Decompresses the LZ4 `block` into `out`, which has room for `size` bytes:
// whether it gives exactly `size` bytes.
bool DecompressLz4(std::string_view block, char* out, size_t size);

// Writes `input`'s size and block into `buffer` after its first `at` bytes,
// growing it (never shrinking: a buffer reused for every value costs no
// allocation and no zeroing); returns the bytes of the value in all
// (`at` + size + block).
size_t PutLz4Block(std::string_view input, size_t at, std::string* buffer);

// Whether an LZ4 block of `block_bytes` can hold `size` bytes: LZ4 expands
// a byte to at most 255, so a larger stored size is a corrupt header, not an
// allocation to make (values stay under 2 GiB).
inline bool Lz4SizeIsPlausible(size_t block_bytes, uint64_t size) {
  return size <= block_bytes * 255 + 16 && size <= (uint64_t{1} << 31);
}

// Reads the size and block PutLz4Block wrote, taking the rest of `r`, and
// decompresses it into `scratch` (grown, never shrunk): `out` views the
// input. Corruption naming `what` when the size or the block does not check.
core::Status GetLz4Block(Reader* r, std::string_view what, std::string* scratch,
                         std::string_view* out);

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_LZ4_BLOCK_H_
